/**
 * docker compose's flags against the real engine: `up [service…]` (only those and their
 * dependencies; the others left as they are), `--no-deps`, `--force-recreate`,
 * `--no-recreate`, `--scale`, and `-t` of up, stop and down. `db` runs `sleep` as PID 1
 * without init, so it ignores SIGTERM and only a kill ends it: with its 10-minute
 * stop_grace_period a stop that did not use `-t` would outlast the command's timeout.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  containerIds,
  eventually,
  inspect,
  type PsJson,
  SKIP_DOCKER,
  SKIP_REASON,
  sandbox,
  spawnFizz,
} from './harness.js';

function composeFile(otherCommand = 'sleep 3600', dbSeconds = 3600): string {
  return `services:
  db:
    image: fizz/busybox:latest
    command: ["sleep", "${dbSeconds}"]
    stop_grace_period: 10m
  web:
    image: fizz/busybox:latest
    command: ["sleep", "3600"]
    init: true
    depends_on: [db]
  other:
    image: fizz/busybox:latest
    command: [${otherCommand
      .split(' ')
      .map((w) => `"${w}"`)
      .join(', ')}]
    init: true
`;
}

test(`up [service…], --no-deps, --force-recreate, --no-recreate, --scale, -t${SKIP_DOCKER ? SKIP_REASON : ''}`, {
  skip: SKIP_DOCKER,
}, async () => {
  const sb = sandbox('flags');
  const p = sb.project;
  const ps = async (): Promise<Map<string, PsJson>> => {
    const r = await sb.fizz(['ps', '-a', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    return new Map((JSON.parse(r.stdout || '[]') as PsJson[]).map((c) => [c.Name, c]));
  };
  const up = async (...args: string[]) => {
    const r = await sb.fizz(['up', '-d', ...args]);
    assert.equal(r.code, 0, `up ${args.join(' ')}: ${r.stderr}`);
    return r;
  };
  try {
    sb.compose(composeFile());
    // Only web and its dependency.
    await up('web');
    let now = await ps();
    assert.deepEqual([...now.keys()].sort(), [`${p}-db-1`, `${p}-web-1`]);
    assert.ok([...now.values()].every((c) => c.State === 'running'));

    // --no-deps: other alone (it has no dependency; web's stays as it is).
    await up('--no-deps', 'other');
    now = await ps();
    assert.equal(now.size, 3);
    const first = new Map([...now].map(([n, c]) => [n, c.ID]));

    // other changes in the file; an up of web leaves it as it is.
    sb.compose(composeFile('sleep 3601'));
    await up('web');
    now = await ps();
    for (const [name, id] of first) assert.equal(now.get(name)?.ID, id, `${name} was touched`);

    // --force-recreate --no-deps web: only web is made again.
    await up('--force-recreate', '--no-deps', 'web');
    now = await ps();
    assert.notEqual(now.get(`${p}-web-1`)?.ID, first.get(`${p}-web-1`));
    assert.equal(now.get(`${p}-db-1`)?.ID, first.get(`${p}-db-1`));
    assert.equal(now.get(`${p}-web-1`)?.State, 'running');

    // --no-recreate: the changed `other` stays as it was.
    await up('--no-recreate');
    now = await ps();
    assert.equal(now.get(`${p}-other-1`)?.ID, first.get(`${p}-other-1`));

    // A plain up with --scale and -t: other and db (changed now) recreated, web scaled to 2.
    // db ignores SIGTERM: without -t 1 its old container would take 10 minutes to stop.
    sb.compose(composeFile('sleep 3601', 3602));
    await up('-t', '1', '--scale', 'web=2');
    now = await ps();
    assert.notEqual(now.get(`${p}-other-1`)?.ID, first.get(`${p}-other-1`));
    assert.notEqual(now.get(`${p}-db-1`)?.ID, first.get(`${p}-db-1`));
    assert.equal(now.get(`${p}-web-2`)?.State, 'running');
    assert.equal(now.size, 4);
    const dbId = now.get(`${p}-db-1`)!.ID;

    // stop -t 1: db is killed after 1 s, not after its 10 minutes.
    const stop = await sb.fizz(['stop', '-t', '1', 'db'], { timeoutMs: 120_000 });
    assert.equal(stop.code, 0, stop.stderr);
    const db = await inspect(dbId);
    assert.equal(db.State.Running, false);
    assert.equal(db.State.ExitCode, 137, 'db was not killed');

    const start = await sb.fizz(['start', 'db']);
    assert.equal(start.code, 0, start.stderr);
    assert.equal((await inspect(dbId)).State.Running, true);

    // down -t 0: everything goes at once.
    const down = await sb.fizz(['down', '-t', '0'], { timeoutMs: 120_000 });
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(await containerIds(p), []);

    const both = await sb.fizz(['up', '-d', '--force-recreate', '--no-recreate']);
    assert.notEqual(both.code, 0);
    assert.match(both.stdout + both.stderr, /--force-recreate and --no-recreate cannot be combined/);
    const unknown = await sb.fizz(['up', '-d', 'nope']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no such service: nope/);
    assert.deepEqual(await containerIds(p), []);
  } finally {
    await sb.cleanup();
  }
});

test(`fizz up web attached: web's logs only; Ctrl+C stops web and its dependency, not the rest${SKIP_DOCKER ? SKIP_REASON : ''}`, {
  skip: SKIP_DOCKER,
}, async () => {
  const sb = sandbox('pattach');
  const p = sb.project;
  try {
    sb.compose(`services:
  db:
    image: fizz/busybox:latest
    command: ["sh", "-c", "echo db line; exec sleep 3600"]
    init: true
  web:
    image: fizz/busybox:latest
    command: ["sh", "-c", "sleep 1; echo web line; exec sleep 3600"]
    init: true
    depends_on: [db]
  other:
    image: fizz/busybox:latest
    command: ["sleep", "3600"]
    init: true
`);
    const other = await sb.fizz(['up', '-d', 'other']);
    assert.equal(other.code, 0, other.stderr);
    const attached = spawnFizz(sb, ['up', 'web']);
    await eventually(
      async () => (attached.out().includes('web line') ? true : undefined),
      60_000,
      'the log line',
    );
    assert.match(attached.out(), /^web-1 \| web line$/m);
    assert.doesNotMatch(attached.out(), /db line/);
    attached.child.kill('SIGINT');
    assert.equal(await attached.exited, 0, attached.err());
    const state = async (service: string) => {
      const ids = (await sb.fizz(['ps', '-a', '-q', service])).stdout.trim().split('\n');
      assert.equal(ids.length, 1, `${p}: ${service} has ${ids.length} containers`);
      return (await inspect(ids[0]!)).State.Running;
    };
    assert.equal(await state('web'), false);
    assert.equal(await state('db'), false);
    assert.equal(await state('other'), true);
  } finally {
    await sb.cleanup();
  }
});
