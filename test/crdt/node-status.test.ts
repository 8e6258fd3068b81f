/**
 * Node status entries: any node may remove a departed node's entry (`removeNodeStatus`), as
 * a last-writer-wins removal that a later status written by that node itself wins over; the
 * removal's tombstone goes when the node comes back, or NODE_TOMBSTONE_TTL_MS after it was
 * written. The document stays bounded under status rewrites and join/leave cycles.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as Y from 'yjs';
import {
  ClusterState,
  NODE_TOMBSTONE_TTL_MS,
  type NodeStatus,
  openStore,
  type StateChange,
  type Store,
} from '../../crdt/index.js';

const status = (n: number): NodeStatus => ({ containers: [], images: [`img${n}`], updatedAt: n });

function sync(x: ClusterState, y: ClusterState): void {
  y.applyUpdate(x.encodeUpdate(y.stateVector()), 'net');
  x.applyUpdate(y.encodeUpdate(x.stateVector()), 'net');
}

function trio(): { a: ClusterState; b: ClusterState; c: ClusterState; time: { t: number } } {
  const time = { t: 1_000_000 };
  const [a, b, c] = ['a', 'b', 'c'].map((nodeId) => new ClusterState({ nodeId, clock: () => time.t }));
  return { a: a!, b: b!, c: c!, time };
}

/** Keys of the nodes map, as a replica's document holds them (entries and tombstones). */
const nodeKeys = (s: ClusterState) => {
  const doc = new Y.Doc();
  Y.applyUpdateV2(doc, s.encodeUpdate());
  return [...doc.getMap('nodes/1').keys()].map((k) => k.replace('\u0000', '/')).sort();
};

test('any node removes a departed node status entry, on every replica', () => {
  const { a, b, c, time } = trio();
  c.setNodeStatus(status(1));
  sync(c, a);
  sync(a, b);
  assert.ok(b.nodeStatuses().has('c'));
  const seen: StateChange[] = [];
  b.on('change', (e) => seen.push(e));
  time.t += 10;
  a.removeNodeStatus('c');
  assert.equal(a.nodeStatuses().has('c'), false);
  sync(a, b);
  assert.equal(b.nodeStatuses().has('c'), false);
  assert.deepEqual(seen, [{ kind: 'node-status', nodeId: 'c', local: false }]);
  assert.deepEqual(nodeKeys(b), ['c/a'], 'only the tombstone is left');
});

test('the removed node comes back: its later status wins, and its write drops the tombstone', () => {
  const { a, b, c, time } = trio();
  c.setNodeStatus(status(1));
  sync(c, a);
  time.t += 10;
  a.removeNodeStatus('c');
  sync(a, b);
  // c comes back having seen the removal: its write is stamped after it.
  sync(b, c);
  c.setNodeStatus(status(2));
  sync(c, a);
  sync(a, b);
  for (const s of [a, b, c]) assert.deepEqual(s.nodeStatuses().get('c'), status(2));
  assert.deepEqual(nodeKeys(a), ['c/c']);
});

test('a status the node wrote before the removal, arriving after it, does not bring the entry back', () => {
  const { a, c, time } = trio();
  c.setNodeStatus(status(1));
  sync(c, a);
  time.t += 10;
  let inFlight: Uint8Array | undefined;
  const off = c.onLocalUpdate((u) => {
    inFlight = u;
  });
  c.setNodeStatus(status(2)); // sent, not yet delivered
  off();
  time.t += 10;
  a.removeNodeStatus('c');
  a.applyUpdate(inFlight!, 'net');
  assert.equal(a.nodeStatuses().has('c'), false);
  // …nor a concurrent one stamped before the removal; the node's next write wins.
  sync(a, c);
  assert.equal(c.nodeStatuses().has('c'), false);
  c.setNodeStatus(status(3));
  sync(a, c);
  assert.deepEqual(a.nodeStatuses().get('c'), status(3));
});

test('a tombstone and the entries it hides go after NODE_TOMBSTONE_TTL_MS', () => {
  const { a, b, c, time } = trio();
  c.setNodeStatus(status(1));
  sync(c, a);
  time.t += 10;
  a.removeNodeStatus('c');
  sync(a, b);
  time.t += NODE_TOMBSTONE_TTL_MS - 10;
  b.setNodeStatus(status(5));
  assert.deepEqual(nodeKeys(b), ['b/b', 'c/a'], 'kept until it expires');
  time.t += 20;
  b.setNodeStatus(status(6));
  assert.deepEqual(nodeKeys(b), ['b/b']);
  // c's old status, replayed from a replica that kept it, stays deleted.
  c.applyUpdate(b.encodeUpdate(c.stateVector()), 'net');
  b.applyUpdate(c.encodeUpdate(), 'net');
  assert.deepEqual(nodeKeys(b), ['b/b']);
  assert.deepEqual([...b.nodeStatuses().keys()], ['b']);
});

test('removing a status that is not there writes nothing', () => {
  const { a } = trio();
  let writes = 0;
  a.onLocalUpdate(() => writes++);
  a.removeNodeStatus('ghost');
  assert.equal(writes, 0);
});

/**
 * Five nodes rewrite their status entries (each with its own store, so a node that comes
 * back keeps its Yjs client id), and one of them leaves at every cycle: it is stopped, a peer
 * removes its status entry, and it comes back at the next cycle. No entry or tombstone of a
 * departed node may stay, and at a steady state rewrites must not grow the document. What a
 * removal leaves is Yjs's own residue: the deleted tombstone item, which also splits the
 * remover's run of overwritten items (2 structs, a few bytes), kept until an epoch rebase
 * (docs/crdt.md) as for any write that interleaves keys.
 */
test('1,000 status rewrites by 5 nodes and 50 join/leave cycles keep the document bounded', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'fizz-status-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const time = { t: 1_000_000 };
  const ids = ['n0', 'n1', 'n2', 'n3', 'n4'];
  const live = new Map<string, Store>();
  const offs = new Map<string, () => void>();
  const first = () => [...live.values()][0]!.state;
  const start = async (id: string) => {
    const store = await openStore(join(root, id), { nodeId: id, clock: () => time.t, fsync: false });
    if (live.size > 0) sync(first(), store.state);
    live.set(id, store);
    offs.set(
      id,
      store.state.onLocalUpdate((u) => {
        for (const [other, s] of live) if (other !== id) s.state.applyUpdate(u, 'net');
      }),
    );
  };
  const stop = async (id: string) => {
    offs.get(id)!();
    await live.get(id)!.close();
    live.delete(id);
  };
  const rewriteAll = (round: number) => {
    for (const [, s] of live) {
      time.t += 7;
      s.state.setNodeStatus(status(round));
    }
    return live.size;
  };
  for (const id of ids) await start(id);
  let rewrites = 0;
  let away: string | undefined;
  const sizes: number[] = [];
  for (let round = 0; rewrites < 1000; round++) {
    rewrites += rewriteAll(round);
    if (round % 4 === 3) {
      if (away) await start(away);
      away = ids[sizes.length % ids.length]!;
      await stop(away);
      time.t += 7;
      first().removeNodeStatus(away);
      sizes.push(first().encodeUpdate().length);
    }
  }
  await start(away!);
  const cycles = sizes.length;
  for (let round = 0; round < 100; round++) rewriteAll(1000 + round);
  const steady = first().encodeUpdate().length;
  for (let round = 0; round < 200; round++) rewriteAll(2000 + round);
  const later = first().encodeUpdate().length;
  const sv = first().stateVector().length;
  t.diagnostic(
    `${rewrites} rewrites and ${cycles} cycles: document ${sizes[0]} B after cycle 1, ${sizes[9]} B after 10, ${sizes.at(-1)} B after ${cycles}; then ${steady} B after 500 more rewrites, ${later} B after 1,000 more; state vector ${sv} B`,
  );
  assert.ok(cycles >= 50, `${cycles} cycles`);
  for (const s of live.values())
    assert.deepEqual(nodeKeys(s.state), ['n0/n0', 'n1/n1', 'n2/n2', 'n3/n3', 'n4/n4']);
  assert.ok(later <= steady + 8, `1,000 rewrites grew the document from ${steady} to ${later} B`);
  const perCycle = (sizes.at(-1)! - sizes[9]!) / (cycles - 10);
  assert.ok(perCycle <= 8, `${perCycle.toFixed(1)} bytes a cycle`);
  assert.ok(sv <= 48, `state vector of ${sv} bytes`);
  for (const s of live.values()) await s.close();
});
