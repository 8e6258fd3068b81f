/** `fizz pull`, `fizz build` and the image flags of `fizz up`, as docker compose users type them. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBuildArgs } from '../../src/cli/commands/build.js';
import { buildCli } from '../../src/cli/main.js';
import { run } from './fixtures.js';

test('the commands read their flags; --no-build is the negation of --build', () => {
  const up = (argv: string[]) =>
    buildCli(false).process(['up', ...argv]) as unknown as { build?: boolean; pull?: string };
  assert.equal(up(['--build']).build, true);
  assert.equal(up(['--no-build']).build, false);
  assert.equal(up([]).build, undefined);
  assert.equal(up(['--pull', 'always']).pull, 'always');
  const pull = buildCli(false).process(['pull', '-q', '--ignore-pull-failures', 'web', 'db']) as unknown as {
    quiet: boolean;
    ignorePullFailures: boolean;
    services: string[];
  };
  assert.deepEqual([pull.quiet, pull.ignorePullFailures, pull.services], [true, true, ['web', 'db']]);
  const build = buildCli(false).process([
    'build',
    '--no-cache',
    '--pull',
    '--build-arg',
    'A=1',
    '--build-arg',
    'B',
    'web',
  ]) as unknown as { noCache: boolean; pull: boolean; buildArgs: string[]; services: string[] };
  assert.deepEqual(
    [build.noCache, build.pull, build.buildArgs, build.services],
    [true, true, ['A=1', 'B'], ['web']],
  );
});

test('--build-arg: KEY=VALUE, KEY from the environment or left out, =VALUE refused', () => {
  assert.deepEqual(parseBuildArgs(['A=1', 'B', 'C', 'D=x=y', 'E='], { B: 'from-env' }), {
    A: '1',
    B: 'from-env',
    D: 'x=y',
    E: '',
  });
  assert.throws(() => parseBuildArgs(['=v'], {}), /--build-arg wants KEY=VALUE/);
});

test('usage errors: a --pull that is not a policy (exit 1, nothing sent)', async () => {
  const r = await run(['up', '-d', '--pull', 'sometimes', '-p', 'demo']);
  assert.equal(r.code, 1);
  assert.match(r.out + r.err, /--pull wants always, missing or never, not "sometimes"/);
});

test('fizz --help lists pull and build; their help and up’s show the flags with examples', async () => {
  const help = await run(['--help']);
  for (const cmd of ['pull', 'build']) assert.match(help.out, new RegExp(`fizz ${cmd}\\b`), cmd);
  const expected: Record<string, string[]> = {
    pull: ['--ignore-pull-failures', '-q, --quiet', 'pull -q web', 'DOCKER_CONFIG'],
    build: ['--no-cache', '--pull', '--build-arg', 'build --no-cache', '.dockerignore'],
    up: ['--pull', '--build', 'up -d --build', 'pull_policy'],
  };
  for (const [cmd, parts] of Object.entries(expected)) {
    const h = await run([cmd, '--help']);
    for (const p of parts) assert.ok(h.out.includes(p), `${cmd} --help lacks ${p}`);
  }
});
