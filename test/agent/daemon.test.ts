/**
 * The agent process itself, without a Docker Engine: the CLI's auto-start spawns
 * `fizz agent` detached, waits for its socket (0600), the agent answers, and SIGTERM stops
 * it cleanly (socket and pid file gone). The engine is pointed nowhere on purpose.
 */
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runDaemon } from '../../src/agent/daemon.js';
import { AgentUnreachableError } from '../../src/api/errors.js';
import { homePaths } from '../../src/api/paths.js';
import { AgentAlreadyRunningError } from '../../src/api/server.js';
import { connectAgent } from '../../src/cli/agent-client.js';

test('auto-start: a detached agent answers on a 0600 socket, keeps its node id, stops on SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fz-d-'));
  const paths = homePaths(join(dir, 'h'));
  const env = { ...process.env, DOCKER_HOST: `unix://${dir}/no-engine.sock` };
  let pid: number | undefined;
  try {
    await assert.rejects(
      connectAgent({ paths, autoStart: false, env }),
      (e: Error) => e.name === AgentUnreachableError.name,
    );
    let started = '';
    const client = await connectAgent({ paths, autoStart: true, env, onStart: (log) => (started = log) });
    assert.equal(started, paths.log);
    const info = await client.info(true);
    pid = info.pid;
    assert.equal(Number(readFileSync(paths.pid, 'utf8')), pid);
    assert.equal(statSync(paths.socket).mode & 0o777, 0o600);
    assert.equal(statSync(paths.home).mode & 0o777, 0o700);
    assert.match(info.engineError ?? '', /Docker Engine is not reachable/);
    const nodeId = info.nodeId;

    // A second connect finds the running agent instead of starting another.
    assert.equal((await (await connectAgent({ paths, autoStart: true, env })).info()).pid, pid);

    process.kill(pid, 'SIGTERM');
    // The socket goes first, the pid file last (after the pass under way and the store close).
    for (let i = 0; i < 200 && (existsSync(paths.socket) || existsSync(paths.pid)); i++)
      await new Promise((r) => setTimeout(r, 25));
    assert.equal(existsSync(paths.socket), false, 'socket left behind');
    assert.equal(existsSync(paths.pid), false, 'pid file left behind');

    const again = await connectAgent({ paths, autoStart: true, env });
    const info2 = await again.info();
    pid = info2.pid;
    assert.equal(info2.nodeId, nodeId, 'the node id changed across restarts');
  } finally {
    if (pid) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // gone
      }
    }
    await new Promise((r) => setTimeout(r, 200));
    rmSync(dir, { recursive: true, force: true });
  }
});

test('one agent per home: a second one refuses even when the socket was cleared; a dead holder’s lock is taken over', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fz-l-'));
  const home = join(dir, 'h');
  const saved = process.env.DOCKER_HOST;
  process.env.DOCKER_HOST = `unix://${dir}/no-engine.sock`;
  let stopA = () => {};
  try {
    // A lock left by a process that is gone does not keep an agent from starting.
    mkdirSync(home, { recursive: true, mode: 0o700 });
    writeFileSync(join(home, 'agent.lock'), '999999999\n');
    const ready = new Promise<string>((resolve, reject) => {
      const a = runDaemon({
        home,
        logLevel: 'silent',
        until: new Promise<void>((r) => {
          stopA = r;
        }),
        onReady: resolve,
      });
      a.catch(reject);
    });
    const socket = await ready;
    // A racing starter that took A's socket for stale and removed it…
    unlinkSync(socket);
    // …must still not run a second agent on the same state.
    let stopB = () => {};
    const b = runDaemon({
      home,
      logLevel: 'silent',
      until: new Promise<void>((r) => {
        stopB = r;
      }),
      onReady: () => stopB(), // it should never get here; if it does, stop it so the test ends
    });
    await assert.rejects(b, (e: Error) => e.name === AgentAlreadyRunningError.name);
  } finally {
    stopA();
    await new Promise((r) => setTimeout(r, 300));
    if (saved === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = saved;
    rmSync(dir, { recursive: true, force: true });
  }
});
