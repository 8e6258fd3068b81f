/**
 * Epoch rebase with stores (epoch.ts, store.ts): a rebased document loads like a fresh one
 * on every node, writes racing the rebase on every node are kept, and the store logs a new
 * epoch as one whole-document record, compacted at once.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as Y from 'yjs';
import { ClusterState, openStore, type Store } from '../../crdt/index.js';
import { encodeFrames, LOG_MAGIC } from '../../crdt/log-format.js';

const spec = (i: number) => ({
  name: 'web',
  services: Object.fromEntries(
    Array.from({ length: 10 }, (_, k) => [
      `s${k}`,
      { image: `img:${i}`, environment: { A: 'x'.repeat(50) } },
    ]),
  ),
});
const SERVICES = Array.from({ length: 10 }, (_, k) => `s${k}`);

function sync(x: ClusterState, y: ClusterState): void {
  y.applyUpdate(x.encodeUpdate(y.stateVector()), 'net');
  x.applyUpdate(y.encodeUpdate(x.stateVector()), 'net');
}

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'fizz-epoch-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** What a reader sees of the project (the test's whole content). */
function view(s: ClusterState): unknown {
  return {
    spec: s.getProject('web') ?? null,
    scale: SERVICES.map((svc) => s.getScale('web', svc) ?? null),
  };
}

async function timedOpen(
  dir: string,
  nodeId: string,
  time: { t: number },
): Promise<{ store: Store; ms: number }> {
  const started = performance.now();
  const store = await openStore(dir, { nodeId, clock: () => time.t, fsync: false });
  return { store, ms: performance.now() - started };
}

test('after 100,000 scale changes and 1,000 up/down cycles, a rebase on every node, racing writes on every node: all kept, and every node loads like a fresh document', async (t) => {
  const root = tempDir(t);
  const time = { t: 1_000_000 };
  const ids = ['a', 'b', 'c'];
  const stores = new Map<string, Store>();
  for (const id of ids) stores.set(id, (await timedOpen(join(root, id), id, time)).store);
  const [a, b, c] = ids.map((id) => stores.get(id)!.state) as [ClusterState, ClusterState, ClusterState];
  const syncAll = () => {
    sync(a, b);
    sync(a, c);
    sync(a, b);
  };
  a.putProject(spec(0));
  for (let i = 0; i < 100_000; i++) {
    time.t++;
    (i % 2 ? a : b).setScale('web', `s${i % 10}`, i % 7);
    if (i % 500 === 0) syncAll();
  }
  syncAll();
  for (let i = 0; i < 1000; i++) {
    time.t++;
    a.putProject(spec(i));
    if (i % 10 === 0) syncAll();
    time.t++;
    (i % 20 === 0 ? b : a).removeProject('web');
  }
  time.t++;
  a.putProject(spec(1000));
  a.setScale('web', 's3', 4);
  syncAll();
  const before = ids.map((id) => stores.get(id)!.state.historySize());
  await stores.get('a')!.flush();
  cpSync(join(root, 'a'), join(root, 'a-before'), { recursive: true });
  const unrebased = await timedOpen(join(root, 'a-before'), 'a', time);
  await unrebased.store.close();

  // Every node rebases on its own, each racing a write of another node made in the old epoch
  // and one made in its new epoch; their changes cross in every order.
  const gossip: Array<{ from: ClusterState; bytes: Uint8Array }> = [];
  for (const s of [a, b, c]) s.onLocalUpdate((bytes) => gossip.push({ from: s, bytes }));
  time.t += 10;
  a.rebase();
  b.setScale('web', 's1', 11); // epoch 0
  b.rebase();
  c.setScale('web', 's2', 12); // epoch 0
  c.rebase();
  a.setScale('web', 's5', 13); // epoch 1, a's document
  b.setScale('web', 's6', 14); // epoch 1, b's document
  for (const { from, bytes } of gossip.reverse())
    for (const s of [a, b, c]) if (s !== from) s.applyUpdate(bytes, 'net');
  syncAll();
  syncAll();
  const want = {
    spec: spec(1000),
    scale: [null, 11, 12, 4, null, 13, 14, null, null, null],
  };
  for (const s of [a, b, c]) {
    assert.equal(s.epoch, 1);
    assert.deepEqual(view(s), want, `${s.nodeId} lost a write`);
    assert.equal(Buffer.from(s.stateVector()).toString('hex'), Buffer.from(a.stateVector()).toString('hex'));
  }
  for (const store of stores.values()) await store.close();

  // The same content written into a fresh store.
  const fresh = await timedOpen(join(root, 'fresh'), 'a', time);
  fresh.store.state.putProject(spec(1000));
  for (const [k, n] of want.scale.entries()) if (n !== null) fresh.store.state.setScale('web', `s${k}`, n);
  await fresh.store.close();
  const again = await timedOpen(join(root, 'fresh'), 'a', time);
  const freshSize = again.store.state.historySize();
  await again.store.close();

  const lines = [
    `before the rebase a loaded in ${unrebased.ms.toFixed(0)} ms`,
    `fresh document: ${freshSize} structs, loaded in ${again.ms.toFixed(1)} ms`,
  ];
  for (const [i, id] of ids.entries()) {
    const { store, ms } = await timedOpen(join(root, id), id, time);
    const size = store.state.historySize();
    lines.push(`${id}: ${before[i]} structs before the rebase, ${size} after, loaded in ${ms.toFixed(1)} ms`);
    assert.deepEqual(view(store.state), want);
    assert.ok(size <= 4 * freshSize, `${id}: ${size} structs against ${freshSize} in a fresh document`);
    assert.ok(
      ms <= 3 * again.ms + 50,
      `${id}: loaded in ${ms.toFixed(1)} ms, a fresh one in ${again.ms.toFixed(1)}`,
    );
    assert.ok(store.stats().logRecords <= 2, `${id}: the log was compacted at the new epoch`);
    await store.close();
  }
  t.diagnostic(lines.join('; '));
});

test('a log holding a whole-document record of a later epoch reloads at that epoch, with the changes after it', async (t) => {
  const dir = tempDir(t);
  const time = { t: 1000 };
  const a = new ClusterState({ nodeId: 'a', clock: () => time.t });
  const records: Uint8Array[] = [];
  a.onUpdate((u) => records.push(u));
  a.setScale('p', 's', 1);
  a.rebase();
  a.setScale('p', 't', 2);
  mkdirSync(dir, { recursive: true });
  const log = encodeFrames(records);
  const file = new Uint8Array(LOG_MAGIC.length + log.length);
  file.set(LOG_MAGIC, 0);
  file.set(log, LOG_MAGIC.length);
  writeFileSync(join(dir, 'state.log'), file);
  const s = await openStore(dir, { nodeId: 'a', clock: () => time.t, fsync: false });
  assert.deepEqual(s.problems, []);
  assert.equal(s.state.epoch, 1);
  assert.equal(s.state.getScale('p', 's'), 1);
  assert.equal(s.state.getScale('p', 't'), 2);
  await s.close();
});

test('after a rebase, reopen+write cycles still keep one client id', async (t) => {
  const dir = tempDir(t);
  const time = { t: 1000 };
  const first = await openStore(dir, { nodeId: 'a', clock: () => time.t, fsync: false });
  first.state.setScale('p', 's', 1);
  first.state.rebase();
  await first.close();
  for (let i = 0; i < 50; i++) {
    const s = await openStore(dir, { nodeId: 'a', clock: () => time.t, fsync: false });
    assert.equal(s.state.epoch, 1);
    time.t++;
    s.state.setScale('p', 's', i);
    await s.close();
  }
  const s = await openStore(dir, { nodeId: 'a', clock: () => time.t, fsync: false });
  const clients = Y.decodeStateVector(s.state.stateVector().subarray(6)).size;
  assert.ok(clients <= 2, `${clients} client ids`);
  assert.equal(s.state.getScale('p', 's'), 49);
  await s.close();
});
