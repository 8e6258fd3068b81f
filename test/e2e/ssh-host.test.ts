/**
 * `fizz --host ssh://user@node …` and FIZZ_HOST against a real OpenSSH server on loopback
 * (test/e2e/sshd.ts): the CLI has a FIZZ_HOME of its own with no agent, the "node" is the
 * sshd session's FIZZ_HOME, and every command reaches that agent only through `ssh … fizz
 * system dial-stdio`.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { containerIds, type PsJson, SKIP_DOCKER, SKIP_REASON, sandbox } from './harness.js';
import { freePort, HAVE_SSHD, startSshd } from './sshd.js';

const SKIP = SKIP_DOCKER || !HAVE_SSHD;
const REASON = SKIP_DOCKER
  ? SKIP_REASON
  : !HAVE_SSHD
    ? ' (skipped: no /usr/sbin/sshd; make test installs it (scripts/ensure-test-tools.sh))'
    : '';

test(`fizz --host ssh:// runs commands against the node's agent through ssh${REASON}`, {
  skip: SKIP,
}, async (t) => {
  const sb = sandbox('ssh');
  const remoteHome = join(sb.dir, 'node');
  mkdirSync(remoteHome, { mode: 0o700 });
  const sshd = await startSshd(join(sb.dir, 'ssh'), remoteHome);
  const node = sandbox('sshnode');
  t.after(async () => {
    // The node's agent (started by dial-stdio) and the project it runs.
    const pid = Number(
      existsSync(join(remoteHome, 'agent.pid')) && readFileSync(join(remoteHome, 'agent.pid'), 'utf8'),
    );
    if (pid) process.kill(pid, 'SIGTERM');
    await sshd.stop();
    await sb.cleanup();
    await node.cleanup();
  });
  const env = { PATH: `${sshd.clientBin}:${process.env.PATH}` };
  // The user this test runs as: a private sshd can log in only its own user.
  const host = `ssh://${userInfo().username}@127.0.0.1:${sshd.port}`;
  const file = sb.compose(`services:
  app:
    image: fizz/busybox:latest
    command: ["sleep", "3600"]
    init: true
`);

  const up = await sb.fizz(['--host', host, 'up', '-d'], { env });
  assert.equal(up.code, 0, up.stderr);
  assert.ok(existsSync(join(remoteHome, 'agent.sock')), "the node's agent was started by dial-stdio");
  assert.ok(!existsSync(join(sb.home, 'agent.sock')), "no agent was started in the CLI user's FIZZ_HOME");
  assert.equal((await containerIds(sb.project)).length, 1);

  let t0 = performance.now();
  const ps = await sb.fizz(['--host', host, 'ps', '--format', 'json', '-f', file], { env });
  const remoteMs = performance.now() - t0;
  assert.equal(ps.code, 0, ps.stderr);
  const rows = JSON.parse(ps.stdout) as PsJson[];
  assert.deepEqual(
    rows.map((r) => [r.Service, r.State]),
    [['app', 'running']],
  );
  // The same answer as the node's own CLI gives.
  t0 = performance.now();
  const local = await node.fizz(['ps', '--format', 'json', '-f', file], { env: { FIZZ_HOME: remoteHome } });
  t.diagnostic(
    `ps through ssh: ${remoteMs.toFixed(0)} ms; on the node: ${(performance.now() - t0).toFixed(0)} ms`,
  );
  assert.equal(local.code, 0, local.stderr);
  assert.deepEqual(
    (JSON.parse(local.stdout) as PsJson[]).map((r) => r.ID),
    rows.map((r) => r.ID),
  );

  const ls = await sb.fizz(['--host', host, 'ls', '--format', 'json'], { env });
  assert.equal(ls.code, 0, ls.stderr);
  assert.deepEqual(
    (JSON.parse(ls.stdout) as Array<{ Name: string }>).map((p) => p.Name),
    [sb.project],
  );

  // FIZZ_HOST does the same as --host; exec's upgraded stream crosses ssh both ways.
  const exec = await sb.fizz(['exec', '-T', 'app', 'sh', '-c', 'read x; echo "got $x"'], {
    env: { ...env, FIZZ_HOST: host },
    input: 'hello\n',
  });
  assert.equal(exec.code, 0, exec.stderr);
  assert.equal(exec.stdout, 'got hello\n');

  // A command that drives this machine's engine itself refuses rather than touch local containers.
  const run = await sb.fizz(['--host', host, 'run', '--rm', 'app', 'true'], { env });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /does not work with --host/);

  const down = await sb.fizz(['-H', host, 'down'], { env });
  assert.equal(down.code, 0, down.stderr);
  assert.equal((await containerIds(sb.project)).length, 0);
});

test(`an unreachable --host gives one clear error line${REASON}`, { skip: SKIP }, async (t) => {
  const sb = sandbox('sshdown');
  t.after(() => sb.cleanup());
  const port = await freePort(); // nothing listens there
  const r = await sb.fizz(['--host', `ssh://root@127.0.0.1:${port}`, 'ps', '-p', 'x'], { timeoutMs: 30_000 });
  assert.equal(r.code, 1);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(
    lines[0]!,
    new RegExp(
      `^error: cannot reach the Fizz agent on ssh://root@127\\.0\\.0\\.1:${port}: .*Connection refused`,
    ),
  );
  assert.equal(r.stdout, '');

  const bad = await sb.fizz(['--host', 'tcp://127.0.0.1:2375', 'ps', '-p', 'x']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^error: --host wants ssh:\/\/\[user@\]host\[:port\]/);
});
