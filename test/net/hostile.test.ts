/**
 * In one process, over real loopback TCP: a peer whose updates do not decode (by gossip or
 * by anti-entropy) is dropped and counted, never a crash; a peer without the cluster key
 * cannot connect; the identity survives a restart.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ClusterState } from '../../crdt/index.js';
import { type ClusterNet, createClusterNet, type NetState } from '../../src/net/index.js';

const KEY = 'hostile-test-cluster-key-000';
const quiet = { info() {}, warn() {}, debug() {} };

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A state that publishes garbage as its "updates" and answers sync with garbage. */
function garbageState(): NetState & { emit(bytes: Uint8Array): void } {
  const cbs = new Set<(u: Uint8Array) => void>();
  return {
    stateVector: () => new Uint8Array([0]),
    encodeUpdate: () => new Uint8Array([7, 7, 7, 7, 7, 7]),
    applyUpdate() {},
    onLocalUpdate(cb) {
      cbs.add(cb);
      return () => cbs.delete(cb);
    },
    emit(bytes) {
      for (const cb of cbs) cb(bytes);
    },
  };
}

test('garbage by gossip and by sync is dropped and counted; the honest node keeps working', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'fizz-hostile-'));
  const nets: ClusterNet[] = [];
  t.after(async () => {
    await Promise.all(nets.map((n) => n.stop()));
    rmSync(root, { recursive: true, force: true });
  });
  const honest = new ClusterState({ nodeId: 'honest', clock: () => 1 });
  honest.putProject({ name: 'kept' });
  const bad = garbageState();
  const good = await createClusterNet({
    dataDir: join(root, 'good'),
    clusterKey: KEY,
    listen: { host: '127.0.0.1', port: 0 },
    state: honest,
    logger: quiet,
  });
  const evil = await createClusterNet({
    dataDir: join(root, 'evil'),
    clusterKey: KEY,
    listen: { host: '127.0.0.1', port: 0 },
    state: bad,
    logger: quiet,
  });
  nets.push(good, evil);
  await good.start();
  await evil.start();
  const invalid: string[] = [];
  good.on('invalid', (e) => invalid.push(e.reason));
  await evil.dial(good.addresses[0]!);
  await until('the topic to form', () => evil.topicPeers().length === 1);
  for (let i = 0; i < 5; i++) bad.emit(new Uint8Array([i, 255, 255, 255, 1, 2, 3]));
  await until('five invalid gossip messages', () => good.metrics.droppedInvalid >= 5);
  assert.equal(good.metrics.updatesApplied, 0);
  // Anti-entropy with the garbage peer fails cleanly and is counted too.
  await assert.rejects(good.syncWith(evil.peerId), { name: 'SyncError' });
  assert.ok(good.metrics.syncsFailed >= 1);
  assert.ok(invalid.length >= 5);
  assert.deepEqual(honest.listProjects(), ['kept']);
});

test('a peer without the cluster key cannot connect; the identity survives a restart', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'fizz-pnet-'));
  const nets: ClusterNet[] = [];
  t.after(async () => {
    await Promise.all(nets.map((n) => n.stop()));
    rmSync(root, { recursive: true, force: true });
  });
  const mk = (dir: string, key: string) =>
    createClusterNet({
      dataDir: join(root, dir),
      clusterKey: key,
      listen: { host: '127.0.0.1', port: 0 },
      state: new ClusterState({ nodeId: dir, clock: () => 1 }),
      logger: quiet,
    });
  const member = await mk('member', KEY);
  const outsider = await mk('outsider', 'another-cluster-key-1234567');
  nets.push(member, outsider);
  await member.start();
  await outsider.start();
  assert.notEqual(member.topic, outsider.topic, 'different keys, different topics');
  await assert.rejects(outsider.dial(member.addresses[0]!));
  assert.deepEqual(member.connectedPeers(), []);
  const id = member.peerId;
  await member.stop();
  const again = await mk('member', KEY);
  nets.push(again);
  assert.equal(again.peerId, id);
});

test('a local change listener that throws is not blamed on the peer whose update it saw', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'fizz-listener-'));
  const nets: ClusterNet[] = [];
  t.after(async () => {
    await Promise.all(nets.map((n) => n.stop()));
    rmSync(root, { recursive: true, force: true });
  });
  // A bare ClusterState (no store, no onListenerError) throws ListenerError from applyUpdate.
  const fragile = new ClusterState({ nodeId: 'fragile', clock: Date.now });
  fragile.on('change', () => {
    throw new Error('listener bug');
  });
  const writer = new ClusterState({ nodeId: 'writer', clock: Date.now });
  writer.putProject({ name: 'before-connect' });
  const mk = (dir: string, state: NetState) =>
    createClusterNet({
      dataDir: join(root, dir),
      clusterKey: KEY,
      listen: { host: '127.0.0.1', port: 0 },
      state,
      logger: quiet,
      syncIntervalMs: 600_000,
    });
  const a = await mk('fragile', fragile);
  const b = await mk('writer', writer);
  nets.push(a, b);
  await a.start();
  await b.start();
  await b.dial(a.addresses[0]!);
  await until('the topic to form', () => b.topicPeers().length === 1);
  writer.putProject({ name: 'by-gossip' });
  await until('the gossiped update', () => fragile.getProject('by-gossip') !== undefined);
  await until('the update on connection', () => fragile.getProject('before-connect') !== undefined);
  assert.equal(a.metrics.droppedInvalid, 0, 'nothing was counted as invalid');
  assert.ok(a.metrics.updatesApplied >= 1);
});

test('allowPeer: only peers whose key it accepts connect, whatever key they dial with; a removed one is hung up on', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'fizz-gate-'));
  const nets: ClusterNet[] = [];
  t.after(async () => {
    await Promise.all(nets.map((n) => n.stop()));
    rmSync(root, { recursive: true, force: true });
  });
  const allowed = new Set<string>();
  const asked: string[] = [];
  const state = new ClusterState({ nodeId: 'member', clock: () => 1 });
  state.putProject({ name: 'kept' });
  const mk = (dir: string, s: NetState, gate: boolean) =>
    createClusterNet({
      dataDir: join(root, dir),
      clusterKey: KEY,
      clusterId: 'gated0000000000a',
      listen: { host: '127.0.0.1', port: 0 },
      state: s,
      logger: quiet,
      ...(gate
        ? {
            allowPeer: (key: Uint8Array) => {
              const hex = Buffer.from(key).toString('hex');
              asked.push(hex);
              return allowed.has(hex);
            },
          }
        : {}),
    });
  const member = await mk('member', state, true);
  const friendState = new ClusterState({ nodeId: 'friend', clock: () => 1 });
  const friend = await mk('friend', friendState, true);
  const strangerState = new ClusterState({ nodeId: 'stranger', clock: () => 1 });
  const stranger = await mk('stranger', strangerState, true);
  nets.push(member, friend, stranger);
  for (const n of nets) await n.start();
  assert.equal(member.topic, friend.topic, 'the pinned cluster id names the topic');
  const keyOf = async (dir: string) => {
    const { loadOrCreateIdentity } = await import('../../src/net/keys.js');
    return Buffer.from((await loadOrCreateIdentity(join(root, dir))).publicKey.raw).toString('hex');
  };
  allowed.add(await keyOf('member'));
  allowed.add(await keyOf('friend'));
  const strangerKey = await keyOf('stranger');
  // The stranger holds the same cluster key; it is refused once noise has shown its key.
  await stranger.dial(member.addresses[0]!).catch(() => {});
  await until('the member to have been asked about the stranger', () => asked.includes(strangerKey));
  assert.deepEqual(member.connectedPeers(), []);
  assert.equal(strangerState.getProject('kept'), undefined);
  await friend.dial(member.addresses[0]!);
  await until('the friend to get the state', () => friendState.getProject('kept') !== undefined);
  assert.deepEqual(member.connectedPeers(), [friend.peerId]);
  // The friend is removed: the connection it already has is closed, not kept.
  assert.equal(await member.dropRefusedPeers(), 0);
  allowed.delete(await keyOf('friend'));
  assert.equal(await member.dropRefusedPeers(), 1);
  await until('the friend to be disconnected', () => member.connectedPeers().length === 0);
});
