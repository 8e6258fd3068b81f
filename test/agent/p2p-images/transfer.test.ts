/**
 * `/fizz/image/1` between two real libp2p hosts on loopback (the cluster's encrypted,
 * key-protected connection); the engines are in-memory archives that record what is loaded.
 * A whole image arrives and is loaded once; layers the receiver has are not sent; a tampered
 * archive is never loaded; a transfer cut halfway resumes without the layers it already got;
 * a node that is sent data it did not ask for refuses it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ClusterState, type NodeStatus } from '../../../crdt/index.js';
import { PeerImages } from '../../../src/agent/p2p-images/fetch.js';
import { IMAGE_PROTOCOL, SaveCache, SendSlots, serveImage } from '../../../src/agent/p2p-images/serve.js';
import { FrameChannel } from '../../../src/agent/remote/channel.js';
import { REMOTE_LIMITS } from '../../../src/agent/remote/limits.js';
import { type ClusterNet, createClusterNet } from '../../../src/net/index.js';
import type { ImageArchive } from '../../../src/runtime/image-archive.js';
import { archive, KEY, type Logged, layers, local, logger } from './engines.js';
import { type TestImage, testImage } from './image-tar.js';

async function pair(
  t: import('node:test').TestContext,
  sender: ImageArchive,
  cut?: { afterBytes: number; times: number },
) {
  const root = mkdtempSync(join(tmpdir(), 'fizz-imgx-'));
  const nets: ClusterNet[] = [];
  const log: Logged[] = [];
  const cache = new SaveCache(sender, join(root, 'out'), 0);
  t.after(async () => {
    await Promise.all(nets.map((n) => n.stop()));
    await cache.close();
    rmSync(root, { recursive: true, force: true });
  });
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
  const h1 = await mk('h1');
  const h2 = await mk('h2');
  await h1.handle(IMAGE_PROTOCOL, (stream, remote) =>
    serveImage(
      stream,
      { archive: sender, cache, limits: REMOTE_LIMITS, logger: logger(log), ...(cut ? { cut } : {}) },
      remote.peerId,
    ),
  );
  await h1.start();
  await h2.start();
  return { root, h1, h2, log };
}

function receiver(
  p: Awaited<ReturnType<typeof pair>>,
  engine: ImageArchive,
  img: TestImage,
  log: Logged[] = [],
): PeerImages {
  const statuses = new Map<string, NodeStatus>([
    [
      'h1',
      {
        containers: [],
        images: [],
        updatedAt: 1,
        held: [{ id: img.id, tags: ['t/x:1'], layers: img.layers }],
      },
    ],
  ]);
  return new PeerImages({
    archive: engine,
    dir: join(p.root, 'in'),
    selfId: 'h2',
    statuses: () => statuses,
    peers: () => [{ id: 'h1', name: 'h1', addr: p.h1.addresses[0]!, state: 'alive' }],
    opener: () => p.h2,
    limits: REMOTE_LIMITS,
    logger: logger(log),
    attempts: 3,
  });
}

test('a whole image arrives, checked, and is loaded once; a second ask loads nothing again', async (t) => {
  const img = testImage(layers(3, 300_000));
  const sender = archive([local(img)], new Map([[img.id, img.tar]]));
  const p = await pair(t, sender);
  const engine = archive([]);
  const progress: number[] = [];
  const got = await receiver(p, engine, img).fetch('t/x:1', (x) => progress.push(x.done));
  assert.equal(got?.node, 'h1');
  assert.equal(engine.loads.length, 1);
  assert.deepEqual(engine.tags, [`t/x:1=${img.id}`], 'the loaded image gets its name');
  assert.ok(got!.bytes >= 900_000 && got!.bytes < 1_000_000, `${got?.bytes} bytes on the wire`);
  assert.ok(progress.length > 1 && progress.at(-1) === got!.bytes);
  // Nobody holds a name that is not advertised.
  assert.equal(await receiver(p, engine, img).fetch('t/other:1', () => {}), undefined);
});

test('layers the receiving engine has are not sent', async (t) => {
  const img = testImage(layers(3, 300_000));
  const sender = archive([local(img)], new Map([[img.id, img.tar]]));
  const p = await pair(t, sender);
  // The receiver holds another image built on the first two layers.
  const engine = archive([
    { id: `sha256:${'1'.repeat(64)}`, tags: [], layers: img.layers.slice(0, 2), created: 1 },
  ]);
  const got = await receiver(p, engine, img).fetch('t/x:1', () => {});
  assert.ok(got!.bytes < 400_000, `${got?.bytes} bytes: only the third layer travels`);
  assert.equal(engine.loads.length, 1);
});

test('a tampered archive is detected and never loaded', async (t) => {
  const img = testImage(layers(2, 100_000));
  const bad = testImage(layers(2, 100_000), 1);
  const sender = archive([local(img)], new Map([[img.id, bad.tar]]));
  const p = await pair(t, sender);
  const engine = archive([]);
  const log: Logged[] = [];
  await assert.rejects(
    receiver(p, engine, img, log).fetch('t/x:1', () => {}),
    { name: 'ImageTransferError' },
  );
  assert.equal(engine.loads.length, 0, 'nothing was loaded');
  const corrupt = log.filter((l) => l.fields.name === 'CorruptImageError');
  assert.equal(corrupt.length, 3, 'each of the three tries found the bad layer');
  assert.match(String(corrupt[0]!.fields.err), /layer 2 of 2 hashes to sha256:/);
});

test('a transfer cut halfway resumes without the layers it already got', async (t) => {
  const img = testImage(layers(4, 250_000));
  const sender = archive([local(img)], new Map([[img.id, img.tar]]));
  const p = await pair(t, sender, { afterBytes: 600_000, times: 1 });
  const engine = archive([]);
  const log: Logged[] = [];
  const got = await receiver(p, engine, img, log).fetch('t/x:1', () => {});
  assert.equal(engine.loads.length, 1);
  assert.ok(
    p.log.some((l) => /cutting the transfer/.test(l.msg)),
    'the sender cut the first try',
  );
  const resumed = log.find((l) => l.msg === 'image transfer: resuming');
  assert.ok(
    resumed && Number(resumed.fields.resumed) >= 2,
    `resumed with ${JSON.stringify(resumed?.fields)}`,
  );
  assert.ok(got!.bytes < 600_000, `the second try sent ${got?.bytes} bytes, not the whole image again`);
});

test('a node that is sent data it did not ask for refuses it', async (t) => {
  const img = testImage(layers(1, 1000));
  const sender = archive([local(img)], new Map([[img.id, img.tar]]));
  const p = await pair(t, sender);
  const stream = await p.h2.openStream(p.h1.addresses[0]!, IMAGE_PROTOCOL);
  const ch = new FrameChannel(stream, REMOTE_LIMITS);
  await ch.send({ type: 'data', data: img.tar.subarray(0, 1024) });
  await assert.rejects(ch.next(5_000));
  assert.ok(p.log.some((l) => l.msg === 'image transfer: request refused'));
  assert.equal(sender.loads.length, 0);
});

test('a node sends at most its slots of archives at once; the next asker goes when one ends', async () => {
  const slots = new SendSlots(2);
  const a = await slots.take();
  const b = await slots.take();
  let third = false;
  const c = slots.take().then((release) => {
    third = true;
    return release;
  });
  await Promise.resolve();
  assert.equal(third, false, 'the third waits');
  a();
  a(); // a second release of the same slot frees nothing more
  const releaseC = await c;
  assert.equal(third, true);
  let fourth = false;
  const d = slots.take().then(() => {
    fourth = true;
  });
  await Promise.resolve();
  assert.equal(fourth, false, 'b and c hold both slots');
  b();
  await d;
  releaseC();
});
