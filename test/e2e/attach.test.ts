/** `fizz up` without -d follows the logs; Ctrl+C (SIGINT) stops the project's containers. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { BIN, containerIds, eventually, inspect, SKIP_DOCKER, SKIP_REASON, sandbox } from './harness.js';

test(`fizz up attached: prefixed logs, then SIGINT stops the containers${SKIP_DOCKER ? SKIP_REASON : ''}`, {
  skip: SKIP_DOCKER,
}, async () => {
  const sb = sandbox('attach');
  try {
    sb.compose(`services:
  talker:
    image: fizz/busybox:latest
    command: ["sh", "-c", "echo hello attached; exec sleep 3600"]
    init: true
`);
    const child = spawn(process.execPath, [...process.execArgv, BIN, 'up'], {
      cwd: sb.dir,
      env: sb.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
    await eventually(
      async () => (stdout.includes('hello attached') ? true : undefined),
      60_000,
      'the log line',
    );
    assert.match(stdout, /^talker-1 \| hello attached$/m);
    child.kill('SIGINT');
    assert.equal(await exited, 0, stderr);
    assert.match(stderr, /Gracefully stopping/);
    const [id] = await containerIds(sb.project);
    assert.equal((await inspect(id!)).State.Running, false);
  } finally {
    await sb.cleanup();
  }
});
