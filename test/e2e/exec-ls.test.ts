/**
 * `fizz exec` and `fizz ls` with the real binary and engine: output on the right streams and
 * the command's exit code, stdin piped with and without -T, the replica by --index, -e/-w/-u,
 * -d, a TTY (under `script`, which gives fizz a pseudo-terminal), errors; `ls` while the
 * project is up and after `down`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import {
  BIN,
  docker,
  eventually,
  processGone,
  type Run,
  type Sandbox,
  SKIP_DOCKER,
  SKIP_REASON,
  sandbox,
} from './harness.js';

/** Runs `command` under `script`, which gives it a pseudo-terminal; `script -e` exits with its code. */
function underScript(sb: Sandbox, command: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      env: sb.env,
      cwd: sb.dir,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code: code ?? -1, stdout, stderr });
    });
    // Kept open: a terminal whose input ends would close the command's terminal input too.
  });
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

test(`exec: streams, exit code, stdin, --index, options, -d, TTY, errors${SKIP_DOCKER ? SKIP_REASON : ''}`, {
  skip: SKIP_DOCKER,
}, async () => {
  const sb = sandbox('exec');
  const p = sb.project;
  try {
    sb.compose(`services:
  web:
    image: fizz/busybox:latest
    command: ["sleep", "3600"]
    init: true
    deploy:
      replicas: 2
`);
    const up = await sb.fizz(['up', '-d']);
    assert.equal(up.code, 0, up.stderr);

    const streams = await sb.fizz(['exec', '-T', 'web', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.deepEqual(streams, { code: 3, stdout: 'out\n', stderr: 'err\n' });

    const piped = await sb.fizz(['exec', '-T', 'web', 'cat'], { input: 'hi\nthere\n' });
    assert.deepEqual(piped, { code: 0, stdout: 'hi\nthere\n', stderr: '' });
    const big = `${'0123456789abcdef'.repeat(63)}xyz\n`.repeat(3 * 1024); // 3 MiB, both ways
    const bigRun = await sb.fizz(['exec', '-T', 'web', 'sh', '-c', 'cat; echo done >&2'], { input: big });
    assert.equal(bigRun.code, 0, bigRun.stderr);
    assert.equal(bigRun.stderr, 'done\n');
    assert.ok(bigRun.stdout === big, `${bigRun.stdout.length} bytes back of ${big.length}`);
    // Without -T but with stdin a pipe: still no TTY, stdin still piped.
    const noFlag = await sb.fizz(['exec', 'web', 'sh', '-c', 'cat; tty || true'], { input: 'abc\n' });
    assert.equal(noFlag.code, 0, noFlag.stderr);
    assert.equal(noFlag.stdout, 'abc\nnot a tty\n');

    const host2 = (await docker('inspect', '-f', '{{.Config.Hostname}}', `${p}-web-2`)).trim();
    const second = await sb.fizz(['exec', '-T', '--index', '2', 'web', 'hostname']);
    assert.deepEqual(second, { code: 0, stdout: `${host2}\n`, stderr: '' });

    const opts = await sb.fizz([
      'exec',
      '-T',
      '-e',
      'GREETING=hello world',
      '-w',
      '/tmp',
      '-u',
      '65534',
      'web',
      'sh',
      '-c',
      'echo "$GREETING"; pwd; id -u',
    ]);
    assert.deepEqual(opts, { code: 0, stdout: 'hello world\n/tmp\n65534\n', stderr: '' });

    const detached = await sb.fizz(['exec', '-d', 'web', 'sh', '-c', 'echo ran > /tmp/detached']);
    assert.deepEqual(detached, { code: 0, stdout: '', stderr: '' });
    await eventually(
      async () =>
        (await sb.fizz(['exec', '-T', 'web', 'cat', '/tmp/detached'])).stdout === 'ran\n' ? true : undefined,
      30_000,
      'the detached command to run',
    );

    // A pseudo-terminal on fizz's side: a TTY is allocated and the terminal's size passed on.
    const fizz = [process.execPath, ...process.execArgv, BIN].map(quote).join(' ');
    // The size is polled for (up to 10 s): an engine before API 1.42 gets it by a resize
    // just after the command started.
    const sized =
      'tty; for i in $(seq 100); do s=$(stty size 2>/dev/null); case "$s" in [1-9]*" "[1-9]*) break ;; esac; sleep 0.1; done; echo "size $s after $i"; exit 5';
    const tty = await underScript(sb, `stty rows 33 cols 111; ${fizz} exec web sh -c ${quote(sized)}`);
    assert.equal(tty.code, 5, tty.stdout + tty.stderr);
    assert.match(tty.stdout, /\/dev\/pts\/\d+/);
    assert.match(tty.stdout, /size 33 111/);

    const unknown = await sb.fizz(['exec', '-T', 'nope', 'true']);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stdout, '');
    assert.equal(unknown.stderr, 'error: no such service: nope\n');
    // With no file to read (only -p), the agent is the one to say so, in the same words.
    const agentSide = await sb.fizz(['exec', '-T', '-p', p, '--project-directory', '/', 'nope', 'true']);
    assert.deepEqual(agentSide, { code: 1, stdout: '', stderr: 'error: no such service: nope\n' });
    const third = await sb.fizz(['exec', '-T', '--index', '3', 'web', 'true']);
    assert.equal(third.code, 1);
    assert.equal(third.stderr, 'error: service "web" has no container with index 3 (it has 2)\n');
    const badIndex = await sb.fizz(['exec', '-T', '--index', '0', 'web', 'true']);
    assert.notEqual(badIndex.code, 0);
    assert.match(badIndex.stdout + badIndex.stderr, /--index wants a replica number/);
  } finally {
    await sb.cleanup();
  }
});

test(`exec with only -p: errors come from the agent${SKIP_DOCKER ? SKIP_REASON : ''}`, {
  skip: SKIP_DOCKER,
}, async () => {
  const sb = sandbox('execp');
  try {
    const notUp = await sb.fizz(['exec', '-T', '-p', sb.project, 'web', 'true']);
    assert.equal(notUp.code, 1);
    assert.match(notUp.stderr, new RegExp(`^error: project "${sb.project}" is not up\n$`, 'm'));
  } finally {
    await sb.cleanup();
  }
});

interface LsJson {
  Name: string;
  Status: string;
  ConfigFiles: string;
}

test(`ls: the project while up, gone after down${SKIP_DOCKER ? SKIP_REASON : ''}`, {
  skip: SKIP_DOCKER,
}, async () => {
  const sb = sandbox('ls');
  const p = sb.project;
  try {
    const file = sb.compose(`services:
  web:
    image: fizz/busybox:latest
    command: ["sleep", "3600"]
    init: true
    deploy:
      replicas: 2
  job:
    image: fizz/busybox:latest
    command: ["true"]
    restart: "no"
`);
    const none = await sb.fizz(['ls']);
    assert.equal(none.code, 0, none.stderr);
    assert.equal(none.stdout, 'NAME   STATUS   CONFIG FILES\n');
    const up = await sb.fizz(['up', '-d']);
    assert.equal(up.code, 0, up.stderr);
    const json = await eventually(
      async () => {
        const r = await sb.fizz(['ls', '--format', 'json']);
        const rows = JSON.parse(r.stdout) as LsJson[];
        return rows[0]?.Status === 'running(2), exited(1)' ? rows : undefined;
      },
      30_000,
      'the job to exit',
    );
    assert.deepEqual(json, [{ Name: p, Status: 'running(2), exited(1)', ConfigFiles: file }]);
    const table = await sb.fizz(['ls']);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^NAME +STATUS +CONFIG FILES$/);
    assert.equal(lines.length, 2);
    assert.equal(lines[1], `${p}   running(2), exited(1)   ${file}`);
    assert.equal(lines[0]!.indexOf('STATUS'), lines[1]!.indexOf('running'));
    assert.equal((await sb.fizz(['ls', '-q'])).stdout, `${p}\n`);

    // No agent running (stopped, or the machine restarted): ls starts one, which finds the project.
    const pid = sb.agentPid()!;
    process.kill(pid, 'SIGTERM');
    await processGone(pid);
    const restarted = await sb.fizz(['ls', '-q']);
    assert.equal(restarted.code, 0, restarted.stderr);
    assert.match(restarted.stderr, /Starting the Fizz agent/);
    assert.equal(restarted.stdout, `${p}\n`);

    const down = await sb.fizz(['down']);
    assert.equal(down.code, 0, down.stderr);
    assert.equal((await sb.fizz(['ls', '-a', '-q'])).stdout, '');
    assert.deepEqual(JSON.parse((await sb.fizz(['ls', '-a', '--format', 'json'])).stdout), []);
  } finally {
    await sb.cleanup();
  }
});
