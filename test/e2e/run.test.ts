/**
 * `fizz run` against the real engine: dependencies first, exit code passed through, --rm,
 * overrides, a TTY when stdin is a terminal, one-offs left alone by the agent's passes and
 * removed by `fizz down`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BIN, containerIds, docker, inspect, run, SKIP_DOCKER, SKIP_REASON, sandbox } from './harness.js';

const COMPOSE = `services:
  db:
    image: fizz/busybox:latest
    command: ["sleep", "3600"]
    init: true
  job:
    image: fizz/busybox:latest
    command: ["echo", "the service's command"]
    depends_on: [db]
    restart: always
`;

async function oneOffs(project: string): Promise<string[]> {
  const out = await docker(
    'ps',
    '-a',
    '--format',
    '{{.Names}}',
    '--filter',
    `label=fizz.project=${project}`,
    '--filter',
    'label=fizz.oneoff',
  );
  return out.split('\n').filter(Boolean).sort();
}

test(`fizz run: deps started, exit code and output passed through, --rm leaves nothing${SKIP_DOCKER ? SKIP_REASON : ''}`, {
  skip: SKIP_DOCKER,
}, async () => {
  const sb = sandbox('run');
  try {
    sb.compose(COMPOSE);
    const r = await sb.fizz(['run', '--rm', 'job', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.equal(r.code, 3, r.stderr);
    assert.equal(r.stdout, 'out\n');
    assert.match(r.stderr, /err\n/);
    const ids = await containerIds(sb.project);
    assert.equal(ids.length, 1, 'only db: the one-off is removed');
    const db = await inspect(ids[0]!);
    assert.equal(db.Config.Labels['fizz.service'], 'db');
    assert.equal(db.State.Running, true, 'the dependency runs');
    assert.deepEqual(await oneOffs(sb.project), []);

    const o = await sb.fizz([
      'run',
      '--rm',
      '--no-deps',
      '-e',
      'X=from-e',
      '-w',
      '/tmp',
      '--entrypoint',
      'sh -c',
      'job',
      'echo $X $(pwd) $(id -u)',
    ]);
    assert.equal(o.code, 0, o.stderr);
    assert.equal(o.stdout, 'from-e /tmp 0\n');

    const piped = await sb.fizz(['run', '--rm', '-T', 'job', 'cat'], { input: 'through stdin\n' });
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(piped.stdout, 'through stdin\n');
  } finally {
    await sb.cleanup();
  }
});

test(`fizz run: a TTY when stdin is a terminal, none with -T${SKIP_DOCKER ? SKIP_REASON : ''}`, {
  skip: SKIP_DOCKER,
}, async () => {
  const sb = sandbox('runtty');
  try {
    sb.compose(COMPOSE);
    // `script` gives fizz a pseudo-terminal as its stdin and stdout.
    const fizz = [process.execPath, ...process.execArgv, BIN];
    const line = [...fizz, 'run', '--rm', '--no-deps', 'job', 'sh', '-c', 'tty; exit 4'].join(' ');
    const t = await run('script', ['-qec', line, '/dev/null'], { env: sb.env, cwd: sb.dir });
    assert.equal(t.code, 4, t.stdout + t.stderr);
    assert.match(t.stdout, /\/dev\/pts\/\d+/);
    const n = await sb.fizz(['run', '--rm', '--no-deps', '-T', 'job', 'tty']);
    assert.match(n.stdout, /not a tty/);
  } finally {
    await sb.cleanup();
  }
});

test(`fizz run -d: the one-off survives the agent's passes and fizz down removes it${SKIP_DOCKER ? SKIP_REASON : ''}`, {
  skip: SKIP_DOCKER,
}, async () => {
  const sb = sandbox('rund');
  try {
    sb.compose(COMPOSE);
    const d = await sb.fizz(['run', '-d', '--name', `${sb.project}-mig`, 'job', 'sleep', '3600']);
    assert.equal(d.code, 0, d.stderr);
    assert.equal(d.stdout, `${sb.project}-mig\n`);
    const done = await sb.fizz(['run', '--no-deps', 'job', 'true']);
    assert.equal(done.code, 0, done.stderr);
    // `up` runs a whole pass over the project: a one-off serves no slot and must stay.
    const up = await sb.fizz(['up', '-d']);
    assert.equal(up.code, 0, up.stderr);
    const left = await oneOffs(sb.project);
    assert.equal(left.length, 2, `the running and the exited one-off: ${left.join(', ')}`);
    assert.ok(left.includes(`${sb.project}-mig`));
    const mig = await inspect(`${sb.project}-mig`);
    assert.equal(mig.State.Running, true);
    assert.equal(mig.Config.Labels['com.docker.compose.oneoff'], 'True');

    const down = await sb.fizz(['down', '-t', '1']);
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(await containerIds(sb.project), [], 'down leaves no container, one-offs included');
  } finally {
    await sb.cleanup();
  }
});

test(`fizz run: an unknown service and a bad flag are clear errors${SKIP_DOCKER ? SKIP_REASON : ''}`, {
  skip: SKIP_DOCKER,
}, async () => {
  const sb = sandbox('runbad');
  try {
    sb.compose(COMPOSE);
    const r = await sb.fizz(['run', 'nope']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no such service: nope/);
    const p = await sb.fizz(['run', '--publish', '99999:80', 'job']);
    assert.equal(p.code, 1);
    assert.match(
      p.stdout,
      /Usage Error: --publish: invalid port "99999:80"/,
      'clipanion prints usage errors on stdout',
    );
  } finally {
    await sb.cleanup();
  }
});
