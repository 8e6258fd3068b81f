/**
 * Passing an image on while it arrives (relay.ts), between three real libp2p hosts on
 * loopback. h1 holds the image and sends it in two halves, the second only when the test
 * says so; h2 fetches it from h1 and serves `/fizz/image/1` with its relays; h3 asks h2
 * while h2 is still receiving. h3 gets every byte, checks and loads it, and h1 sent it once;
 * when h1 breaks the transfer to h2 halfway, h3 is told, goes to h1 and still loads a whole,
 * checked image. Relay files an agent that died left behind go at the next start.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { ClusterState, type NodeStatus } from '../../../crdt/index.js';
import { PeerImages } from '../../../src/agent/p2p-images/fetch.js';
import { Relays } from '../../../src/agent/p2p-images/relay.js';
import { IMAGE_PROTOCOL, SaveCache, serveImage } from '../../../src/agent/p2p-images/serve.js';
import { FrameChannel } from '../../../src/agent/remote/channel.js';
import { DATA_CHUNK, REMOTE_LIMITS } from '../../../src/agent/remote/limits.js';
import { type ClusterNet, createClusterNet } from '../../../src/net/index.js';
import { archive, KEY, type Logged, layers, logger } from './engines.js';
import { type TestImage, testImage } from './image-tar.js';

/** A signal: `wait` resolves once `fire` was called. */
function signal() {
  let fire = () => {};
  const wait = new Promise<void>((r) => {
    fire = r;
  });
  return { fire, wait };
}

/**
 * h1: sends the first half of the archive, waits for `half`, then the rest — or, while
 * `breaks` > 0, aborts the stream there instead. `asked` counts the requests it got.
 */
async function holder(net: ClusterNet, img: TestImage, half: Promise<void>, breaks: { n: number }) {
  const asked = { n: 0 };
  await net.handle(IMAGE_PROTOCOL, async (stream) => {
    const ch = new FrameChannel(stream, REMOTE_LIMITS);
    const first = await ch.next(5_000);
    assert.equal(first?.type, 'request');
    asked.n++;
    await ch.send({ type: 'event', value: { total: img.tar.length } });
    const mid = img.tar.length >> 1;
    for (let at = 0; at < img.tar.length; at += DATA_CHUNK) {
      if (at < mid && at + DATA_CHUNK >= mid) {
        await half;
        if (breaks.n-- > 0) return ch.abort(new Error('h1 breaks the transfer'));
      }
      await ch.send({ type: 'data', data: img.tar.subarray(at, at + DATA_CHUNK) });
    }
    await ch.send({ type: 'result', value: { ok: true } });
    await ch.close();
  });
  return asked;
}

async function hosts(t: TestContext, img: TestImage, breaks = 0) {
  const root = mkdtempSync(join(tmpdir(), 'fizz-relay-'));
  const nets: ClusterNet[] = [];
  const logs = { h2: [] as Logged[], h3: [] as Logged[] };
  const mk = async (name: string) => {
    const net = await createClusterNet({
      dataDir: join(root, name),
      clusterKey: KEY,
      listen: { host: '127.0.0.1', port: 0 },
      state: new ClusterState({ nodeId: name, clock: () => 1 }),
      logger: logger([]),
    });
    nets.push(net);
    return net;
  };
  const [h1, h2, h3] = [await mk('h1'), await mk('h2'), await mk('h3')];
  const half = signal();
  const asked = await holder(h1, img, half.wait, { n: breaks });
  // h2: receives into its relays and serves from them.
  const relays = new Relays(join(root, 'h2-in'));
  const engine2 = archive([]);
  const cache = new SaveCache(engine2, join(root, 'h2-out'), 0);
  await h2.handle(IMAGE_PROTOCOL, (stream, remote) =>
    serveImage(
      stream,
      { archive: engine2, cache, relays, limits: REMOTE_LIMITS, logger: logger(logs.h2) },
      remote.peerId,
    ),
  );
  for (const n of nets) await n.start();
  t.after(async () => {
    half.fire();
    await Promise.all(nets.map((n) => n.stop()));
    await cache.close();
    rmSync(root, { recursive: true, force: true });
  });
  const held = { id: img.id, tags: ['t/x:1'], layers: img.layers };
  const statuses = new Map<string, NodeStatus>([
    ['h1', { containers: [], images: [], updatedAt: 1, held: [held] }],
  ]);
  const peers = [h1, h2, h3].map((n, i) => ({
    id: `h${i + 1}`,
    name: `h${i + 1}`,
    addr: n.addresses[0]!,
    state: 'alive' as const,
  }));
  const node = (
    self: string,
    net: ClusterNet,
    engine: ReturnType<typeof archive>,
    log: Logged[],
    r?: Relays,
  ) =>
    new PeerImages({
      archive: engine,
      dir: join(root, `${self}-in`),
      selfId: self,
      statuses: () => statuses,
      peers: () => peers.filter((p) => p.id !== self),
      opener: () => net,
      limits: REMOTE_LIMITS,
      logger: logger(log),
      attempts: 3,
      ...(r ? { relays: r } : {}),
    });
  const engine3 = archive([]);
  return {
    half,
    asked,
    held,
    logs,
    engine2,
    engine3,
    p2: node('h2', h2, engine2, logs.h2, relays),
    p3: node('h3', h3, engine3, logs.h3),
  };
}

/** A push's chain: h2's fetch from h1, then h3's from h2 once h2 receives; resolves when h2 relays to h3. */
async function chain(h: Awaited<ReturnType<typeof hosts>>) {
  const receiving = signal();
  const at3: number[] = [];
  const got2 = h.p2.fetch('t/x:1', (p) => p.done > 0 && receiving.fire(), undefined, {
    node: 'h1',
    image: h.held,
  });
  await receiving.wait;
  const got3 = h.p3.fetch('t/x:1', (p) => at3.push(p.done), undefined, { node: 'h2', image: h.held });
  for (let i = 0; !h.logs.h2.some((l) => l.fields.relayed === true); i++) {
    if (i > 500) assert.fail('h2 never passed the image on');
    await new Promise((r) => setTimeout(r, 10));
  }
  return { got2, got3, at3 };
}

test('a node passes an image on while it receives it; the next one checks and loads it', async (t) => {
  const contents = layers(4, 300_000);
  const img = testImage(contents);
  const h = await hosts(t, img);
  const { got2, got3, at3 } = await chain(h);
  // h1 still holds back its second half: what h3 has so far came from h2 while it received.
  for (let i = 0; (at3.at(-1) ?? 0) === 0; i++) {
    if (i > 500) assert.fail('h3 got nothing before h2 had it all');
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.ok(at3.at(-1)! < img.tar.length, 'h3 received part of the image before h2 had all of it');
  h.half.fire();
  const [r2, r3] = await Promise.all([got2, got3]);
  assert.equal(r2?.node, 'h1');
  assert.equal(r3?.node, 'h2');
  assert.equal(h.asked.n, 1, 'h1 sent the image once');
  assert.equal(h.engine2.loads.length, 1);
  assert.equal(h.engine3.loads.length, 1);
  // The spool's archive (file times differ from h2's): every layer whole, and as long as h2's.
  assert.equal(h.engine3.loads[0]!.length, h.engine2.loads[0]!.length);
  for (const c of contents) assert.ok(h.engine3.loads[0]!.includes(c), 'h3 loaded every layer whole');
  assert.ok(h.logs.h3.some((l) => l.msg === 'image loaded from a peer'));
});

test('when the relayed transfer breaks, the next node is told and gets the image from a holder', async (t) => {
  const contents = layers(4, 300_000);
  const img = testImage(contents);
  const h = await hosts(t, img, 1);
  const { got2, got3 } = await chain(h);
  h.half.fire();
  const [r2, r3] = await Promise.all([got2, got3]);
  assert.equal(r2?.node, 'h1', 'h2 tried h1 again');
  assert.equal(r3?.node, 'h1', 'h3 went to h1 after the relay broke');
  const broke = h.logs.h3.find((l) => l.msg === 'image transfer: failed');
  assert.match(String(broke?.fields.err), /relays broke/);
  assert.equal(h.engine3.loads.length, 1, 'h3 loaded once, a whole image');
  for (const c of contents) assert.ok(h.engine3.loads[0]!.includes(c), 'every layer whole');
});

test('relay files an earlier run left are removed at start; spools of broken transfers stay', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fizz-relay-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, `${'a'.repeat(64)}.relay`), 'half an archive');
  mkdirSync(join(dir, 'b'.repeat(64)));
  new Relays(dir);
  assert.equal(existsSync(join(dir, `${'a'.repeat(64)}.relay`)), false);
  assert.equal(existsSync(join(dir, 'b'.repeat(64))), true, 'a spool to resume from is kept');
});
