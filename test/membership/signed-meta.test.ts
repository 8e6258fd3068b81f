/**
 * Signed member metadata: the signer's round trip and every way a signature must fail, a
 * fuzzed decoder that throws only swim/'s error classes, and two SWIM nodes that drop (and
 * count) a forged alive and a replayed older one while their view stays as it was.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateKeyPair } from '@libp2p/crypto/keys';
import { ed25519 } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { selfMeta } from '../../src/agent/membership/member-view.js';
import { decodeSignedMeta, Ed25519MetaSigner } from '../../src/agent/membership/signed-meta.js';
import { Writer } from '../../swim/bytes.js';
import { type AliveMsg, MsgType, writeMessage } from '../../swim/codec.js';
import { Envelope } from '../../swim/envelope.js';
import {
  defaultSimOptions,
  encodeMeta,
  lanConfig,
  ManualClock,
  SeededRandom,
  SimNetwork,
  Swim,
} from '../../swim/index.js';

const CLUSTER = 'c0ffee';
const ERRORS = new Set(['SwimDecodeError', 'SwimForgedError', 'SwimMetadataError']);
const seed = (n: number) => new Uint8Array(32).fill(n);

function signerFor(secret: Uint8Array, keys: Map<string, Uint8Array>, refused = new Set<string>()) {
  return new Ed25519MetaSigner({
    clusterId: CLUSTER,
    secretKey: secret,
    keyOf: (n) => keys.get(n),
    refused: (n) => (refused.has(n) ? 'removed' : undefined),
  });
}

test('signed metadata opens only for its node, incarnation, address, bytes and cluster', () => {
  const keys = new Map([['a', ed25519.getPublicKey(seed(1))]]);
  const a = signerFor(seed(1), keys);
  const meta = encodeMeta({ labels: { zone: 'x' } }, 512);
  const wire = a.sign('a', 7, '10.0.0.1:7171', meta);
  assert.deepEqual(a.open('a', 7, '10.0.0.1:7171', wire), meta);
  const forged = { name: 'SwimForgedError' };
  assert.throws(() => a.open('a', 8, '10.0.0.1:7171', wire), forged);
  assert.throws(() => a.open('a', 7, '10.0.0.2:7171', wire), forged);
  assert.throws(() => a.open('b', 7, '10.0.0.1:7171', wire), forged); // no key for b
  keys.set('b', ed25519.getPublicKey(seed(2)));
  assert.throws(() => a.open('b', 7, '10.0.0.1:7171', wire), forged); // b's key did not sign it
  const flipped = new Uint8Array(wire);
  flipped[flipped.length - 1] ^= 1;
  assert.throws(() => a.open('a', 7, '10.0.0.1:7171', flipped), forged);
  const otherCluster = new Ed25519MetaSigner({
    clusterId: 'other',
    secretKey: seed(1),
    keyOf: (n) => keys.get(n),
  });
  assert.throws(() => otherCluster.open('a', 7, '10.0.0.1:7171', wire), forged);
  // Signed with a wrong key in a's name.
  const evil = signerFor(seed(9), keys);
  assert.throws(() => a.open('a', 7, '10.0.0.1:7171', evil.sign('a', 7, '10.0.0.1:7171', meta)), forged);
  // A removed node is refused whatever it signs.
  const strict = signerFor(seed(1), keys, new Set(['a']));
  assert.throws(() => strict.open('a', 7, '10.0.0.1:7171', wire), /refused: removed/);
});

test("the libp2p peer id a member advertises must be its signing key's", async () => {
  const mine = await generateKeyPair('Ed25519');
  const other = await generateKeyPair('Ed25519');
  const keys = new Map([['a', mine.publicKey.raw]]);
  const a = signerFor(mine.raw.subarray(0, 32), keys);
  const metaOf = (id: string) =>
    encodeMeta(selfMeta({ multiaddr: `/ip4/10.0.0.1/tcp/7171/p2p/${id}`, version: '1' }), 512);
  const good = metaOf(mine.publicKey.toString());
  assert.deepEqual(a.open('a', 1, 'x:1', a.sign('a', 1, 'x:1', good)), good);
  const lying = metaOf(other.publicKey.toString());
  assert.throws(() => a.open('a', 1, 'x:1', a.sign('a', 1, 'x:1', lying)), /not its key's/);
});

test('fuzz: any bytes as signed metadata throw only swim error classes', () => {
  const keys = new Map([['a', ed25519.getPublicKey(seed(1))]]);
  const a = signerFor(seed(1), keys);
  const wire = a.sign('a', 3, 'h:1', encodeMeta({ name: 'a' }, 512));
  const input = fc.oneof(
    fc.uint8Array({ maxLength: 200 }),
    fc.tuple(fc.nat(wire.length), fc.nat(255)).map(([i, v]) => {
      const b = new Uint8Array(wire);
      b[i % b.length] = v;
      return b;
    }),
    fc.nat(wire.length).map((n) => wire.subarray(0, n)),
    fc.uint8Array({ maxLength: 100 }).map((tail) => {
      const b = new Uint8Array(65 + tail.length);
      b[0] = 1;
      b.set(tail, 65);
      return b;
    }),
  );
  fc.assert(
    fc.property(input, (bytes) => {
      for (const f of [() => decodeSignedMeta(bytes), () => a.open('a', 3, 'h:1', bytes)]) {
        try {
          f();
        } catch (err) {
          assert.ok(ERRORS.has((err as Error).name), `${(err as Error).name}: ${(err as Error).message}`);
        }
      }
    }),
    { numRuns: 3000 },
  );
});

/** Two SWIM nodes on a lossless simulated network, each signing with its own key. */
function pair() {
  const clock = new ManualClock(0);
  const net = new SimNetwork(clock, new SeededRandom(7), defaultSimOptions);
  const keys = new Map([
    ['a', ed25519.getPublicKey(seed(1))],
    ['b', ed25519.getPublicKey(seed(2))],
  ]);
  const make = (name: string, secret: Uint8Array) => {
    const { transport, clock: c } = net.addNode(name);
    return new Swim({
      config: lanConfig(name),
      transport,
      clock: c,
      random: new SeededRandom(name.charCodeAt(0)),
      clusterId: CLUSTER,
      meta: { labels: { v: '1' } },
      signer: signerFor(secret, keys),
    });
  };
  const a = make('a', seed(1));
  const b = make('b', seed(2));
  a.start();
  b.start();
  b.joinCb(['a'], () => {});
  clock.advance(2_000);
  const evil = net.addNode('evil').transport;
  /** Sends `a` one packet holding this alive, as a member holding the cluster key could. */
  const inject = (msg: AliveMsg) => {
    const env = new Envelope(CLUSTER, undefined);
    const w = new Writer(1024);
    env.begin(w);
    writeMessage(w, msg);
    evil.sendPacket('a', env.finish(w));
    clock.advance(100);
  };
  return { clock, a, b, keys, inject };
}

test('swim: a forged alive and a replayed older one are dropped, counted, and change nothing', () => {
  const { clock, a, b, inject } = pair();
  assert.equal(a.member('b')?.state, 'alive');
  assert.deepEqual(a.member('b')?.meta.labels, { v: '1' });
  // What a recording of b's alive at this incarnation holds (Ed25519 signatures are deterministic).
  const old = b.incarnation;
  const recorded = signerFor(seed(2), new Map()).sign('b', old, 'b', encodeMeta({ labels: { v: '1' } }, 512));
  b.setMeta({ labels: { v: '2' } });
  clock.advance(1_000);
  const now = a.member('b')!;
  assert.deepEqual(now.meta.labels, { v: '2' });
  assert.equal(a.stats.dropped.forged, 0);

  const stale = a.stats.dropped.stale;
  inject({ type: MsgType.Alive, incarnation: old, node: 'b', addr: 'b', meta: recorded });
  assert.equal(a.stats.dropped.stale, stale + 1);
  assert.deepEqual(a.member('b'), now);

  // b's name, a higher incarnation, metadata signed by another key.
  const forged = signerFor(seed(9), new Map()).sign(
    'b',
    now.incarnation + 5,
    'evil',
    encodeMeta({ labels: { v: 'x' } }, 512),
  );
  inject({ type: MsgType.Alive, incarnation: now.incarnation + 5, node: 'b', addr: 'evil', meta: forged });
  assert.equal(a.stats.dropped.forged, 1);
  assert.deepEqual(a.member('b'), now);
  // b's own genuine signature, moved to a higher incarnation it never signed.
  inject({ type: MsgType.Alive, incarnation: now.incarnation + 1, node: 'b', addr: 'b', meta: recorded });
  assert.equal(a.stats.dropped.forged, 2);
  // A member nobody registered cannot join.
  const stranger = signerFor(seed(3), new Map()).sign('c', 1, 'evil', new Uint8Array(0));
  inject({ type: MsgType.Alive, incarnation: 1, node: 'c', addr: 'evil', meta: stranger });
  assert.equal(a.stats.dropped.forged, 3);
  assert.equal(a.member('c'), undefined);
  // A forged claim about a itself is dropped, not refuted.
  const aInc = a.incarnation;
  const aboutA = signerFor(seed(9), new Map()).sign('a', aInc + 3, 'a', new Uint8Array(0));
  inject({ type: MsgType.Alive, incarnation: aInc + 3, node: 'a', addr: 'a', meta: aboutA });
  assert.equal(a.stats.dropped.forged, 4);
  assert.equal(a.incarnation, aInc);
  clock.advance(2_000);
  assert.deepEqual(a.member('b')?.meta.labels, { v: '2' });
  assert.equal(b.stats.dropped.forged, 0);
});

test('swim: metadata changed twice is signed again at each incarnation and accepted', () => {
  const { clock, a, b } = pair();
  const before = a.member('b')!.incarnation;
  b.setMeta({ labels: { v: '3' } });
  b.setMeta({ labels: { v: '4' } });
  clock.advance(1_000);
  assert.equal(a.member('b')!.incarnation, before + 2);
  assert.deepEqual(a.member('b')!.meta.labels, { v: '4' });
  assert.equal(a.stats.dropped.forged + b.stats.dropped.forged, 0);
});
