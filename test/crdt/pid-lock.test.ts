/**
 * The one lock (crdt/pid-lock.ts) behind `state.lock` and `agent.lock`: a holder that is a
 * zombie (killed, never reaped) or whose pid now belongs to another process is taken over;
 * a live holder is not.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { openStore } from '../../crdt/index.js';
import { acquireAgentLock } from '../../src/agent/lock.js';

const clock = () => 1_000;

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'fz-lock-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function stat(pid: number): { state: string; start: string } {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: f[0]!, start: f[19]! };
}

/** A zombie: a child of `sleep`, which never reaps it. Resolves with its pid. */
async function zombie(t: TestContext): Promise<number> {
  const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 60'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  t.after(() => parent.kill('SIGKILL'));
  const pid = await new Promise<number>((resolve) =>
    parent.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))),
  );
  for (let i = 0; i < 500 && stat(pid).state !== 'Z'; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(stat(pid).state, 'Z', 'the child did not become a zombie');
  return pid;
}

async function live(t: TestContext): Promise<number> {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  t.after(() => child.kill('SIGKILL'));
  await new Promise((r) => child.once('spawn', r));
  return child.pid!;
}

test('state.lock held by a zombie (an agent killed -9 and never reaped) is taken over', async (t) => {
  const dir = tempDir(t);
  const pid = await zombie(t);
  writeFileSync(join(dir, 'state.lock'), `${pid}\n`);
  const s = await openStore(dir, { nodeId: 'n1', clock });
  await s.close();
  writeFileSync(join(dir, 'state.lock'), `${pid} ${stat(pid).start}\n`);
  const again = await openStore(dir, { nodeId: 'n1', clock });
  await again.close();
});

test('state.lock naming a live pid that started at another time (a reused pid) is taken over', async (t) => {
  const dir = tempDir(t);
  const pid = await live(t);
  const start = Number(stat(pid).start);
  writeFileSync(join(dir, 'state.lock'), `${pid} ${start + 1}\n`);
  const s = await openStore(dir, { nodeId: 'n1', clock });
  await s.close();
  // The very process that took it: still held.
  writeFileSync(join(dir, 'state.lock'), `${pid} ${start}\n`);
  await assert.rejects(openStore(dir, { nodeId: 'n1', clock }), (e: Error) => e.name === 'StoreLockedError');
});

test('agent.lock: a zombie or a reused pid is taken over, a live holder refuses, the lock records the start time', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'agent.lock');
  const sock = join(dir, 'agent.sock');
  const z = await zombie(t);
  writeFileSync(file, `${z} ${stat(z).start}\n`);
  let release = acquireAgentLock(file, sock);
  assert.equal(readFileSync(file, 'utf8'), `${process.pid} ${stat(process.pid).start}\n`);
  release();
  const pid = await live(t);
  writeFileSync(file, `${pid} ${Number(stat(pid).start) + 7}\n`);
  release = acquireAgentLock(file, sock);
  release();
  writeFileSync(file, `${pid} ${stat(pid).start}\n`);
  assert.throws(
    () => acquireAgentLock(file, sock),
    (e: Error) => e.name === 'AgentAlreadyRunningError',
  );
});
