/**
 * Real processes on loopback: four nodes join, one is killed with SIGKILL and confirmed
 * dead by the rest, restarted on the same port it rejoins with a higher incarnation, and
 * one leaves gracefully on SIGTERM. Waits are generous; nothing asserts a duration.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('./udp-node.js', import.meta.url));

interface Proc {
  name: string;
  child: ChildProcess;
  address: string;
  /** member → last event seen about it */
  view: Map<string, { ev: string; incarnation: number }>;
  /** every event seen, in order: a later suspicion and refutation must not hide an earlier join */
  history: { ev: string; name: string; incarnation: number }[];
  self: number;
  error: string | null;
}

const procs: Proc[] = [];
after(() => {
  for (const p of procs) p.child.kill('SIGKILL');
});

function start(name: string, port = 0, seeds: string[] = []): Promise<Proc> {
  const child = spawn(process.execPath, [...process.execArgv, entry, name, String(port), seeds.join(',')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const p: Proc = { name, child, address: '', view: new Map(), history: [], self: 0, error: null };
  procs.push(p);
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code} before it was ready`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = JSON.parse(line) as Record<string, unknown>;
      if (typeof m.ready === 'string') {
        p.address = m.ready;
        resolve(p);
      } else if (typeof m.ev === 'string') {
        p.view.set(m.name as string, { ev: m.ev, incarnation: m.incarnation as number });
        p.history.push({ ev: m.ev, name: m.name as string, incarnation: m.incarnation as number });
      } else if (typeof m.self === 'number') p.self = m.self;
      else if (typeof m.error === 'string') p.error = m.error;
    });
  });
}

/** Waits for cond; on time-out the message carries every process's history, to diagnose CI. */
async function until(cond: () => boolean, what: string, maxMs = 30_000): Promise<void> {
  for (let t = 0; t < maxMs; t += 100) {
    if (cond()) return;
    await sleep(100);
  }
  const histories = procs.map((p) => `${p.name} (self ${p.self}): ${JSON.stringify(p.history)}`);
  assert.fail(`timed out waiting for: ${what}\n${histories.join('\n')}`);
}

const sees = (p: Proc, name: string, evs: string[]) => evs.includes(p.view.get(name)?.ev ?? '');

test('four processes: join, kill -9, restart with a higher incarnation, graceful leave', async () => {
  const seed = await start('p0');
  const others = await Promise.all(['p1', 'p2', 'p3'].map((n) => start(n, 0, [seed.address])));
  const all = [seed, ...others];
  for (const p of all)
    await until(
      () => all.every((q) => q === p || sees(p, q.name, ['join', 'update', 'alive'])),
      `${p.name} sees everyone`,
    );

  const victim = others[2]!;
  const port = Number(victim.address.split(':')[1]);
  victim.child.kill('SIGKILL');
  const survivors = all.slice(0, 3);
  for (const p of survivors) await until(() => sees(p, 'p3', ['dead']), `${p.name} marks p3 dead`);
  const deadInc = survivors[0]!.view.get('p3')!.incarnation;

  const again = await start('p3', port, [seed.address]);
  // On a loaded machine the rejoined p3 may be suspected and refute again right after its
  // join, so the join is looked up in the history and the current view need only be live.
  const rejoined = (p: Proc) =>
    p.history.some((h) => h.name === 'p3' && h.ev === 'join' && h.incarnation > deadInc) &&
    sees(p, 'p3', ['join', 'alive', 'update']);
  for (const p of survivors)
    await until(() => rejoined(p), `${p.name} sees p3 back with a higher incarnation`);
  await until(() => again.self > deadInc, 'the restarted p3 refuted its old death');
  assert.equal(again.error, null);

  const leaver = others[1]!;
  leaver.child.kill('SIGTERM');
  for (const p of [seed, others[0]!, again])
    await until(() => sees(p, 'p2', ['leave']), `${p.name} sees p2 leave`);
});
