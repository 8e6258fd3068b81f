/**
 * The resource limits of anti-entropy (src/net/limits.ts), against a hostile peer over real
 * loopback TCP: a frame over the limit, more concurrent streams than allowed, streams that
 * pile up more bytes than a peer (or all peers) may make us hold, and a slow-loris stream
 * that never finishes. Each is refused, counted and emitted; the node's counters return to
 * zero; and an honest sync still works afterwards (and meanwhile, from another peer).
 * The hostile peer is a ClusterNet that opens raw `/fizz/sync/1` streams and writes what it likes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Stream } from '@libp2p/interface';
import { ClusterState } from '../../crdt/index.js';
import {
  type ClusterNet,
  type ClusterNetEvents,
  createClusterNet,
  SYNC_LIMITS,
  SYNC_PROTOCOL,
  type SyncLimits,
} from '../../src/net/index.js';
import { SyncBudget } from '../../src/net/sync-budget.js';

const KEY = 'limits-test-cluster-key-0000';
const KiB = 1024;
const quiet = { info() {}, warn() {}, debug() {} };

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Node {
  net: ClusterNet;
  state: ClusterState;
  refused: ClusterNetEvents['refused'][];
}

/** A temp root, and a factory of started nodes that are all stopped after the test. */
function cluster(t: { after(fn: () => Promise<void>): void }) {
  const root = mkdtempSync(join(tmpdir(), 'fizz-limits-'));
  const nodes: Node[] = [];
  t.after(async () => {
    await Promise.all(nodes.map((n) => n.net.stop()));
    rmSync(root, { recursive: true, force: true });
  });
  return async (name: string, limits: Partial<SyncLimits> = {}): Promise<Node> => {
    const state = new ClusterState({ nodeId: name, clock: Date.now });
    state.putProject({ name: `from-${name}` });
    const net = await createClusterNet({
      dataDir: join(root, name),
      clusterKey: KEY,
      listen: { host: '127.0.0.1', port: 0 },
      state,
      logger: quiet,
      // Only the syncs a test starts itself, so every count below is its doing.
      syncIntervalMs: 600_000,
      limits,
    });
    const node: Node = { net, state, refused: [] };
    net.on('refused', (e) => node.refused.push(e));
    await net.start();
    nodes.push(node);
    return node;
  };
}

/** A raw sync stream from `from` to `to`, carrying `bytes` (unless `to` reset it at once). */
async function rawStream(from: Node, to: Node, bytes: Uint8Array): Promise<Stream> {
  const stream = await from.net.openStream(to.net.addresses[0]!, SYNC_PROTOCOL);
  try {
    await write(stream, bytes);
  } catch (err) {
    if ((err as Error).name !== 'StreamStateError') throw err;
  }
  return stream;
}

async function write(stream: Stream, bytes: Uint8Array): Promise<void> {
  if (!stream.send(bytes)) await stream.onDrain();
}

/** A sync frame's 4-byte length prefix claiming `n` bytes, then `body` bytes of it. */
function partialFrame(n: number, body = 0): Uint8Array {
  const out = new Uint8Array(4 + body);
  new DataView(out.buffer).setUint32(0, n);
  if (body >= 2) out.set([1, 3], 4); // version 1, push
  return out;
}

/** Connects `a` to `b` and waits for the exchange every new connection starts, so that it
 * cannot overlap what a test does next. */
async function connect(a: Node, b: Node): Promise<void> {
  const before = [a.net.metrics.syncsOk, b.net.metrics.syncsOk];
  await a.net.dial(b.net.addresses[0]!);
  await until(
    'the exchange on connection',
    () => a.net.metrics.syncsOk > before[0]! && b.net.metrics.syncsOk > before[1]!,
  );
}

/** An honest exchange still works: `a` pulls `b`'s project and pushes its own. */
async function honestSync(a: Node, b: Node): Promise<void> {
  await a.net.syncWith(b.net.peerId);
  assert.ok(
    a.state.getProject(`from-${b.state.nodeId}`),
    `${a.state.nodeId} got ${b.state.nodeId}'s project`,
  );
  assert.ok(
    b.state.getProject(`from-${a.state.nodeId}`),
    `${b.state.nodeId} got ${a.state.nodeId}'s project`,
  );
}

const idle = (n: Node) => n.net.resources().inboundSyncs === 0 && n.net.resources().syncBytesHeld === 0;

test('the byte budget and stream slots: limits per peer and in total, each share given back once', () => {
  const budget = new SyncBudget({ maxInboundStreamsPerPeer: 2, maxBytesPerPeer: 100, maxBytesTotal: 150 });
  const a1 = budget.admitInbound('a');
  budget.admitInbound('a');
  assert.throws(() => budget.admitInbound('a'), { name: 'SyncLimitError', limit: 'streams-per-peer' });
  const b1 = budget.admitInbound('b');
  a1();
  a1();
  assert.equal(budget.inboundOf('a'), 1, 'a second release of the same slot frees nothing more');
  budget.admitInbound('a');
  b1();
  assert.equal(budget.inboundOf('b'), 0);

  const la = budget.lease('a');
  la.hold(60);
  const la2 = budget.lease('a');
  assert.throws(() => la2.hold(41), { name: 'SyncLimitError', limit: 'peer-bytes' });
  la2.hold(40);
  const lb = budget.lease('b');
  assert.throws(() => lb.hold(51), { name: 'SyncLimitError', limit: 'total-bytes' });
  lb.hold(50);
  assert.deepEqual(budget.usage(), { inboundStreams: 2, bytesHeld: 150, peers: 2 });
  la.release();
  la.release();
  assert.equal(budget.bytesOf('a'), 40, 'a second release of the same lease frees nothing more');
  la2.release();
  lb.release();
  assert.equal(budget.usage().bytesHeld, 0);
  assert.throws(() => lb.hold(1), { name: 'SyncLimitError' }, 'a released lease holds nothing again');
});

test('the defaults', () => {
  assert.deepEqual(
    { ...SYNC_LIMITS },
    {
      maxFrameBytes: 16 * 1024 * KiB,
      maxInboundStreamsPerPeer: 4,
      maxBytesPerPeer: 32 * 1024 * KiB,
      maxBytesTotal: 128 * 1024 * KiB,
      timeoutMs: 10_000,
    },
  );
});

test('a frame over the limit is refused before it is buffered, counted, and emitted', {
  timeout: 90_000,
}, async (t) => {
  const mk = cluster(t);
  const good = await mk('good');
  const evil = await mk('evil');
  await connect(evil, good);
  // Default limits: a 16 MiB + 1 frame is refused on its 4-byte prefix.
  const stream = await rawStream(evil, good, partialFrame(SYNC_LIMITS.maxFrameBytes + 1, 100));
  await until('the refusal', () => good.net.metrics.framesRefused === 1);
  assert.equal(good.net.metrics.syncsRefused, 1);
  assert.deepEqual(
    good.refused.map((e) => [e.peerId, e.limit, e.direction]),
    [[evil.net.peerId, 'frame-bytes', 'inbound']],
  );
  await until('the stream to be reset on the hostile side', () => stream.status !== 'open');
  await until('the node to let go of it', () => idle(good));
  await honestSync(evil, good);
  assert.equal(good.net.metrics.syncsRefused, 1, 'the honest exchange was not refused');
});

test('more concurrent inbound streams than allowed from one peer are refused; other peers are served', {
  timeout: 90_000,
}, async (t) => {
  const mk = cluster(t);
  const good = await mk('good');
  const evil = await mk('evil');
  const other = await mk('other');
  await connect(evil, good);
  await connect(other, good);
  const max = SYNC_LIMITS.maxInboundStreamsPerPeer;
  const streams: Stream[] = [];
  for (let i = 0; i < max + 2; i++) streams.push(await rawStream(evil, good, partialFrame(10, 0)));
  await until('two refusals', () => good.net.metrics.syncsRefused === 2);
  assert.deepEqual(
    good.refused.map((e) => e.limit),
    ['streams-per-peer', 'streams-per-peer'],
  );
  assert.equal(good.net.resources().inboundSyncs, max, `${max} streams held, no more`);
  // While the hostile peer holds every slot it may have, an honest sync from it is refused
  // too, and one from another peer is served.
  await assert.rejects(evil.net.syncWith(good.net.peerId));
  await until('the third refusal', () => good.net.metrics.syncsRefused === 3);
  await honestSync(other, good);
  for (const s of streams) s.abort(new Error('hostile peer gives up'));
  await until('the held streams to be released', () => idle(good));
  await honestSync(evil, good);
  assert.equal(good.net.metrics.syncsRefused, 3);
  assert.equal(good.net.metrics.framesRefused, 0);
});

test('a slow-loris stream that never finishes is reset by the timeout, which releases it', {
  timeout: 90_000,
}, async (t) => {
  const mk = cluster(t);
  const good = await mk('good', { timeoutMs: 3_000 });
  const evil = await mk('evil');
  await connect(evil, good);
  // A 1000-byte frame, one byte every 50 ms: it would take 50 s.
  const stream = await rawStream(evil, good, partialFrame(1_000, 2));
  const drip = setInterval(() => {
    if (stream.status === 'open') void write(stream, new Uint8Array([0])).catch(() => {});
  }, 50);
  t.after(() => clearInterval(drip));
  await until('the stream to be held', () => good.net.resources().inboundSyncs === 1);
  await until('the timeout', () => good.net.metrics.syncsRefused === 1);
  assert.deepEqual(
    good.refused.map((e) => [e.limit, e.direction]),
    [['timeout', 'inbound']],
  );
  await until('the node to let go of it', () => idle(good));
  await until('the stream to be reset on the hostile side', () => stream.status !== 'open');
  clearInterval(drip);
  await honestSync(evil, good);
  assert.equal(good.net.metrics.syncsRefused, 1);
});

test('streams that would make one peer hold more than its byte budget are reset', {
  timeout: 90_000,
}, async (t) => {
  const mk = cluster(t);
  const limits = { maxFrameBytes: 256 * KiB, maxBytesPerPeer: 384 * KiB, maxBytesTotal: 1024 * KiB };
  const good = await mk('good', limits);
  const evil = await mk('evil');
  await connect(evil, good);
  // Three unfinished 200 KiB frames, 150 KiB of each sent: 450 KiB > 384 KiB.
  const streams: Stream[] = [];
  for (let i = 0; i < 3; i++) streams.push(await rawStream(evil, good, partialFrame(200 * KiB, 150 * KiB)));
  await until('the refusal', () => good.net.metrics.syncsRefused === 1);
  assert.deepEqual(
    good.refused.map((e) => e.limit),
    ['peer-bytes'],
  );
  const held = good.net.resources().syncBytesHeld;
  assert.ok(held <= limits.maxBytesPerPeer, `held ${held} bytes`);
  assert.ok(held >= 2 * 150 * KiB, `the two streams within the budget are still held (${held} bytes)`);
  for (const s of streams) s.abort(new Error('hostile peer gives up'));
  await until('the bytes to be released', () => idle(good));
  await honestSync(evil, good);
});

test('streams from several peers that would pass the total byte budget are reset', {
  timeout: 90_000,
}, async (t) => {
  const mk = cluster(t);
  const limits = { maxFrameBytes: 256 * KiB, maxBytesPerPeer: 300 * KiB, maxBytesTotal: 400 * KiB };
  const good = await mk('good', limits);
  const evil1 = await mk('evil1');
  const evil2 = await mk('evil2');
  await connect(evil1, good);
  await connect(evil2, good);
  // 250 KiB of a 255 KiB frame from each: 500 KiB > 400 KiB in total.
  const first = await rawStream(evil1, good, partialFrame(255 * KiB, 250 * KiB));
  await until('the first to be held', () => good.net.resources().syncBytesHeld >= 250 * KiB);
  const second = await rawStream(evil2, good, partialFrame(255 * KiB, 250 * KiB));
  await until('the refusal', () => good.net.metrics.syncsRefused === 1);
  assert.deepEqual(
    good.refused.map((e) => [e.peerId, e.limit]),
    [[evil2.net.peerId, 'total-bytes']],
  );
  assert.ok(good.net.resources().syncBytesHeld <= limits.maxBytesTotal);
  first.abort(new Error('gives up'));
  second.abort(new Error('gives up'));
  await until('the bytes to be released', () => idle(good));
  await honestSync(evil2, good);
  await honestSync(evil1, good);
});

test('an answer over the frame limit, to an exchange we started, is refused on its prefix (outbound)', {
  timeout: 90_000,
}, async (t) => {
  const mk = cluster(t);
  const good = await mk('good');
  // The hostile responder's own limit is raised, so it sends a 17 MiB answer.
  const huge = new Uint8Array(17 * 1024 * KiB);
  const evilState = new ClusterState({ nodeId: 'evil', clock: Date.now });
  const evilDir = mkdtempSync(join(tmpdir(), 'fizz-limits-evil-'));
  const evil = await createClusterNet({
    dataDir: evilDir,
    clusterKey: KEY,
    listen: { host: '127.0.0.1', port: 0 },
    state: {
      stateVector: () => evilState.stateVector(),
      encodeUpdate: () => huge,
      applyUpdate() {},
      onLocalUpdate: () => () => {},
    },
    logger: quiet,
    syncIntervalMs: 600_000,
    limits: { maxFrameBytes: 64 * 1024 * KiB, maxBytesPerPeer: 64 * 1024 * KiB },
  });
  t.after(async () => {
    await evil.stop();
    rmSync(evilDir, { recursive: true, force: true });
  });
  await evil.start();
  await evil.dial(good.net.addresses[0]!);
  await until('the connection', () => good.net.connectedPeers().includes(evil.peerId));
  // The exchange on connection is started by the lower peer id: either side's refusal.
  await until('the refusal on connection', () => good.net.metrics.framesRefused === 1);
  await assert.rejects(good.net.syncWith(evil.peerId), { name: 'SyncLimitError', limit: 'frame-bytes' });
  assert.equal(good.net.metrics.framesRefused, 2);
  assert.equal(good.net.metrics.syncsRefused, 2);
  assert.deepEqual(
    good.refused.map((e) => [e.peerId, e.limit]),
    [
      [evil.peerId, 'frame-bytes'],
      [evil.peerId, 'frame-bytes'],
    ],
  );
  assert.equal(good.refused[1]!.direction, 'outbound');
  await until('the node to let go of it', () => good.net.resources().syncBytesHeld === 0);
});
