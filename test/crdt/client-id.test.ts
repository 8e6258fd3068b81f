/**
 * The Yjs client id of a store (store.ts, "Client id"): kept across clean reopens so that the
 * state vector does not gain an entry per restart, and never reused when the reopening
 * process might lack part of that id's history (a crash while open, a damaged log), since
 * a peer holding items the log lacks would take new items with the same ids for duplicates.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as Y from 'yjs';
import { ClusterState, type NodeStatus, openStore } from '../../crdt/index.js';
import { decodeFrames, LOG_MAGIC } from '../../crdt/log-format.js';

const clock = () => 1_000;
const status = (n: number): NodeStatus => ({ containers: [], images: [`img${n}`], updatedAt: n });
const clients = (s: ClusterState) => [...Y.decodeStateVector(s.stateVector()).keys()];

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'fizz-client-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('200 reopen+write cycles of one node keep its state vector to one client id', async (t) => {
  const dir = tempDir(t);
  for (let i = 0; i < 200; i++) {
    const s = await openStore(dir, { nodeId: 'n1', clock, fsync: false, compactRecords: 50 });
    s.state.setNodeStatus(status(i));
    await s.close();
  }
  const s = await openStore(dir, { nodeId: 'n1', clock, fsync: false });
  const sv = s.state.stateVector();
  const doc = s.state.encodeUpdate();
  t.diagnostic(
    `after 200 restarts: state vector ${sv.length} bytes, ${clients(s.state).length} client ids, document ${doc.length} bytes`,
  );
  assert.equal(clients(s.state).length, 1);
  assert.ok(sv.length <= 16, `state vector of ${sv.length} bytes`);
  assert.deepEqual(s.state.nodeStatuses().get('n1'), status(199));
  await s.close();
});

test('a store that was not closed (a crash) takes a new client id: a peer holding writes its log lacks still gets the new ones', async (t) => {
  const dir = tempDir(t);
  const peer = new ClusterState({ nodeId: 'peer', clock });
  const s = await openStore(join(dir, 'live'), { nodeId: 'n1', clock, fsync: false });
  s.state.onLocalUpdate((u) => peer.applyUpdate(u, 'net'));
  s.state.setScale('p', 'a', 1);
  await s.close();
  const again = await openStore(join(dir, 'live'), { nodeId: 'n1', clock, fsync: false });
  again.state.onLocalUpdate((u) => peer.applyUpdate(u, 'net'));
  again.state.setScale('p', 'b', 2);
  await again.flush();
  // The disk as a crash would leave it: copied while open, then one more write gossiped.
  cpSync(join(dir, 'live'), join(dir, 'crashed'), { recursive: true });
  again.state.setScale('p', 'c', 3);
  await again.close();
  rmSync(join(dir, 'crashed', 'state.lock'));
  const after = await openStore(join(dir, 'crashed'), { nodeId: 'n1', clock, fsync: false });
  assert.equal(after.state.getScale('p', 'c'), undefined, 'the crash lost the last write');
  after.state.setScale('p', 'd', 4);
  peer.applyUpdate(after.state.encodeUpdate(peer.stateVector()), 'net');
  assert.equal(peer.getScale('p', 'd'), 4, 'the new write was taken for one the peer had');
  assert.equal(clients(after.state).length, 2);
  await after.close();
});

test('a damaged log after a clean close means a new client id too', async (t) => {
  const dir = tempDir(t);
  const peer = new ClusterState({ nodeId: 'peer', clock });
  const s = await openStore(dir, { nodeId: 'n1', clock, fsync: false });
  s.state.onLocalUpdate((u) => peer.applyUpdate(u, 'net'));
  for (let i = 0; i < 3; i++) {
    s.state.setScale('p', `s${i}`, i);
    await s.flush();
  }
  await s.close();
  const log = readFileSync(join(dir, 'state.log'));
  const last = decodeFrames(log, LOG_MAGIC.length).records.at(-1)!;
  writeFileSync(join(dir, 'state.log'), log.subarray(0, last.offset + 5));
  const after = await openStore(dir, { nodeId: 'n1', clock, fsync: false });
  assert.equal(after.problems.length, 1);
  after.state.setScale('p', 'x', 9);
  peer.applyUpdate(after.state.encodeUpdate(peer.stateVector()), 'net');
  assert.equal(peer.getScale('p', 'x'), 9);
  await after.close();
});

test('a write made to the state after close goes to another client id than the one saved', async (t) => {
  const dir = tempDir(t);
  const peer = new ClusterState({ nodeId: 'peer', clock });
  const s = await openStore(dir, { nodeId: 'n1', clock, fsync: false });
  s.state.onLocalUpdate((u) => peer.applyUpdate(u, 'net'));
  s.state.setScale('p', 'a', 1);
  await s.close();
  s.state.setScale('p', 'late', 2); // never logged, but gossiped
  const after = await openStore(dir, { nodeId: 'n1', clock, fsync: false });
  after.state.setScale('p', 'b', 3);
  peer.applyUpdate(after.state.encodeUpdate(peer.stateVector()), 'net');
  assert.equal(peer.getScale('p', 'b'), 3);
  await after.close();
});
