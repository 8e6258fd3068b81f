/**
 * ClusterNet.stop() releases everything and may be called at any time, any number of times:
 * nodes started, connected, synced and stopped over and over leave no socket, server or timer
 * behind (the process's own count of active resources returns to where it was), and the
 * node's own `resources()` reads zero after each stop.
 */
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ClusterState } from '../../crdt/index.js';
import {
  type ClusterNet,
  createClusterNet,
  type NetResources,
  SYNC_PROTOCOL,
  type SyncLimits,
} from '../../src/net/index.js';

const KEY = 'lifecycle-test-cluster-key-0';
const quiet = { info() {}, warn() {}, debug() {} };
const CYCLES = 20;

async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Sockets, servers and timers alive in this process, by kind, whether or not they keep it
 * running (libp2p's timers are unref'd: process.getActiveResourcesInfo() does not list them).
 * A resource is alive from its async-hooks `init` to its `destroy` (a timer's comes when it
 * is cleared, or soon after a one-shot one fired). */
const TRACKED = new Set(['Timeout', 'TCPWRAP', 'TCPSERVERWRAP']);
const alive = new Map<number, string>();
createHook({
  init(id, type) {
    if (TRACKED.has(type)) alive.set(id, type);
  },
  destroy(id) {
    alive.delete(id);
  },
}).enable();

/** Sleeps, then lets the destroy hooks of the timer that woke us run. */
async function settle(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
}

function activeResources(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const kind of alive.values()) out[kind] = (out[kind] ?? 0) + 1;
  return out;
}

/** libp2p's sockets and servers are handles too (the runner's own pipes are counted before). */
const activeHandles = () =>
  (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;

const STOPPED: NetResources = {
  running: false,
  libp2p: 'stopped',
  timers: 0,
  listeners: 0,
  topics: 0,
  syncHandler: false,
  connections: 0,
  inboundSyncs: 0,
  outboundSyncs: 0,
  syncBytesHeld: 0,
};

function setup(t: { after(fn: () => Promise<void>): void }) {
  const root = mkdtempSync(join(tmpdir(), 'fizz-lifecycle-'));
  const nets: ClusterNet[] = [];
  t.after(async () => {
    await Promise.all(nets.map((n) => n.stop()));
    rmSync(root, { recursive: true, force: true });
  });
  return async (name: string, extra: { port?: number; limits?: Partial<SyncLimits> } = {}) => {
    const state = new ClusterState({ nodeId: name, clock: Date.now });
    const net = await createClusterNet({
      dataDir: join(root, name),
      clusterKey: KEY,
      listen: { host: '127.0.0.1', port: extra.port ?? 0 },
      state,
      logger: quiet,
      // Short intervals, so that timers are armed and firing while the nodes run.
      syncIntervalMs: 300,
      redialIntervalMs: 200,
      ...(extra.limits ? { limits: extra.limits } : {}),
    });
    nets.push(net);
    return { net, state };
  };
}

/** Start, connect to `peer` (also through setPeers, so redial runs), write, sync, stop. */
async function cycle(net: ClusterNet, state: ClusterState, peer: ClusterNet, i: number): Promise<void> {
  await net.start();
  await net.start();
  net.setPeers([peer.addresses[0]!]);
  await until('the connection', () => net.connectedPeers().includes(peer.peerId));
  await until('the topic', () => net.topicPeers().includes(peer.peerId));
  state.putProject({ name: `cycle-${i}` });
  await net.syncWith(peer.peerId);
  const live = net.resources();
  assert.equal(live.running, true);
  assert.equal(live.libp2p, 'started');
  assert.ok(live.timers >= 2 && live.listeners > 0 && live.topics === 1 && live.syncHandler);
  // Two stops at once and one more after: each resolves, the second waits for the first.
  await Promise.all([net.stop(), net.stop()]);
  await net.stop();
  assert.deepEqual(net.resources(), STOPPED, `cycle ${i}`);
}

test(`${CYCLES} start/stop cycles (new nodes and one node restarted) leave no socket, server or timer behind`, {
  timeout: 180_000,
}, async (t) => {
  const mk = setup(t);
  const before = activeResources();
  const handlesBefore = activeHandles();
  const { net: peer, state: peerState } = await mk('peer');
  await peer.start();
  const restarted = await mk('restarted');
  for (let i = 0; i < CYCLES; i++) {
    // Every other cycle a fresh node; the others start the same node again.
    const node = i % 2 === 0 ? await mk(`fresh-${i}`) : restarted;
    await cycle(node.net, node.state, peer, i);
  }
  for (let i = 0; i < CYCLES; i++)
    assert.ok(peerState.getProject(`cycle-${i}`), `cycle ${i} reached the peer`);
  await until('the peer to see every connection closed', () => peer.connectedPeers().length === 0);
  await peer.stop();
  await peer.stop();
  assert.deepEqual(peer.resources(), STOPPED);
  // libp2p's own AbortSignal.timeout timers (dial, upgrade, protocol negotiation: up to
  // 10 s) run out after a stop; nothing may stay longer.
  const same = () => JSON.stringify(activeResources()) === JSON.stringify(before);
  const deadline = Date.now() + 60_000;
  while (!same() && Date.now() < deadline) await settle(100);
  assert.deepEqual(activeResources(), before, 'every socket, server and timer is gone');
  assert.equal(activeHandles(), handlesBefore, 'no handle left');
});

test('stop() before start, during start, and while a peer holds a sync stream open', {
  timeout: 60_000,
}, async (t) => {
  const mk = setup(t);
  const { net: a } = await mk('a', { limits: { timeoutMs: 600_000 } });
  await a.stop();
  assert.deepEqual(a.resources(), STOPPED, 'stop before start is a no-op');
  // A stop called while start() runs waits for it, then takes everything down.
  const starting = a.start();
  const stopping = a.stop();
  await starting;
  await stopping;
  assert.deepEqual(a.resources(), STOPPED);

  await a.start();
  const { net: b } = await mk('b');
  await b.start();
  // b opens a sync stream and leaves it unfinished; a's timeout is far away.
  const stream = await b.openStream(a.addresses[0]!, SYNC_PROTOCOL);
  stream.send(new Uint8Array([0, 0, 1, 0, 1]));
  await until('a to hold the stream and its bytes', () => a.resources().syncBytesHeld === 5);
  assert.equal(a.resources().inboundSyncs, 1);
  await a.stop();
  assert.deepEqual(a.resources(), STOPPED, 'stop released the held stream at once');
  assert.equal(a.metrics.syncsRefused + a.metrics.syncsFailed, 0, 'our own reset is not blamed on the peer');
  await until('the stream to end on the peer side', () => stream.status !== 'open');
  await b.stop();
});

test('a start that fails half-way (port taken) leaves nothing running, and stop() after it is fine', {
  timeout: 60_000,
}, async (t) => {
  const mk = setup(t);
  const { net: holder } = await mk('holder');
  await holder.start();
  const port = Number(/\/tcp\/(\d+)\//.exec(holder.addresses[0]!)![1]);
  const { net: clash } = await mk('clash', { port });
  await assert.rejects(clash.start());
  assert.deepEqual(clash.resources(), STOPPED);
  await clash.stop();
  await holder.stop();
});
