/**
 * docker compose's flags of up, stop and down as the CLI reads them: parsing, and the usage
 * errors printed before anything is loaded or sent (no agent is needed for these).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildCli } from '../../src/cli/main.js';
import { parseScale } from '../../src/cli/up-options.js';
import { run } from './fixtures.js';

test('up reads services, --no-deps, --force-recreate, -t and repeated --scale', () => {
  const cmd = buildCli(false).process([
    'up',
    '-d',
    '--no-deps',
    '--force-recreate',
    '-t',
    '5',
    '--scale',
    'web=3',
    '--scale',
    'db=0',
    'web',
    'api',
  ]) as unknown as {
    detach: boolean;
    noDeps: boolean;
    forceRecreate: boolean;
    noRecreate: boolean;
    timeout: string;
    scale: string[];
    services: string[];
  };
  assert.equal(cmd.detach, true);
  assert.equal(cmd.noDeps, true);
  assert.equal(cmd.forceRecreate, true);
  assert.equal(cmd.noRecreate, false);
  assert.equal(cmd.timeout, '5');
  assert.deepEqual(cmd.scale, ['web=3', 'db=0']);
  assert.deepEqual(cmd.services, ['web', 'api']);
  const stop = buildCli(false).process(['stop', '--timeout', '2', 'web']) as unknown as {
    timeout: string;
    services: string[];
  };
  assert.equal(stop.timeout, '2');
  assert.deepEqual(stop.services, ['web']);
  const down = buildCli(false).process(['down', '-v', '-t', '0']) as unknown as { timeout: string };
  assert.equal(down.timeout, '0');
});

test('parseScale: SERVICE=NUM, the last one for a service wins; anything else is a usage error', () => {
  assert.deepEqual(parseScale(['web=3', 'db=0', 'web=2']), { web: 2, db: 0 });
  for (const bad of ['web', 'web=', '=3', 'web=-1', 'web=1.5', 'web=x', 'web=10001'])
    assert.throws(() => parseScale([bad]), { name: 'UsageError' }, bad);
});

test('usage errors: --force-recreate with --no-recreate, a bad -t, a bad --scale (exit 1, nothing sent)', async () => {
  const both = await run(['up', '-d', '--force-recreate', '--no-recreate', '-p', 'demo']);
  assert.equal(both.code, 1);
  assert.match(both.out + both.err, /--force-recreate and --no-recreate cannot be combined/);
  const t = await run(['up', '-d', '-t', 'soon', '-p', 'demo']);
  assert.equal(t.code, 1);
  assert.match(t.out + t.err, /--timeout wants a whole number of seconds, not "soon"/);
  const scale = await run(['up', '-d', '--scale', 'web', '-p', 'demo']);
  assert.equal(scale.code, 1);
  assert.match(scale.out + scale.err, /--scale wants SERVICE=NUM/);
  const down = await run(['down', '-t', 'x', '-p', 'demo']);
  assert.equal(down.code, 1);
  assert.match(down.out + down.err, /--timeout wants a whole number of seconds, not "x"/);
  const stop = await run(['stop', '-t', '1.5', '-p', 'demo']);
  assert.equal(stop.code, 1);
  assert.match(stop.out + stop.err, /--timeout wants a whole number of seconds, not "1.5"/);
});

test('help of up, stop and down lists the new flags with examples', async () => {
  const up = await run(['up', '--help']);
  for (const flag of [
    '--no-deps',
    '--force-recreate',
    '--no-recreate',
    '-t, --timeout SECONDS',
    '--scale SERVICE=N',
    'up -d web',
  ])
    assert.ok(up.out.includes(flag), `up --help lacks ${flag}`);
  for (const cmd of ['stop', 'down']) {
    const h = await run([cmd, '--help']);
    assert.ok(h.out.includes('-t, --timeout SECONDS'), `${cmd} --help lacks -t`);
  }
});

test('help names option values as docker compose does: `-f, --file FILE`, never `#0` or `-f,--file`', async () => {
  const { commands } = await import('../../src/cli/commands/index.js');
  const up = await run(['up', '--help']);
  assert.ok(up.out.includes('-f, --file FILE'), up.out);
  assert.ok(up.out.includes('-p, --project-name NAME'), up.out);
  for (const c of commands) {
    const path = c.paths?.[0];
    if (!path || path.length === 0) continue;
    const h = await run([...path, '--help']);
    assert.doesNotMatch(h.out, /#\d|-\w,-/, `${path.join(' ')} --help`);
  }
  const wrong = await run(['up', '--bogus']);
  assert.doesNotMatch(wrong.out + wrong.err, /#\d|-\w,-/);
});
