/**
 * The decoder treats every byte as hostile: random, truncated, bit-flipped and forged
 * packets only ever raise swim's own errors, and a node fed them counts drops and carries on.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Writer } from '../../swim/bytes.js';
import {
  decodeMessages,
  decodePushPull,
  decodePushPullBody,
  MAX_INCARNATION,
  type Message,
  PUSH_PULL,
  type PushPullEntry,
  writeDigestReply,
  writeDigestRequest,
  writeMessage,
  writePushPull,
} from '../../swim/codec.js';
import { Envelope } from '../../swim/envelope.js';
import { SwimError } from '../../swim/errors.js';
import { Keyring } from '../../swim/keyring.js';
import { SimCluster } from '../../swim/sim-cluster.js';
import { MemberState } from '../../swim/types.js';

const name = fc.string({ minLength: 1, maxLength: 40 });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const inc = fc.integer({ min: 0, max: MAX_INCARNATION });
const message: fc.Arbitrary<Message> = fc.oneof(
  fc.record({ type: fc.constant(1 as const), seq: u32, target: name, source: name, sourceAddr: name }),
  fc.record({
    type: fc.constant(2 as const),
    seq: u32,
    target: name,
    targetAddr: name,
    wantNack: fc.boolean(),
    source: name,
    sourceAddr: name,
  }),
  fc.record({ type: fc.constant(3 as const), seq: u32 }),
  fc.record({ type: fc.constant(4 as const), seq: u32 }),
  fc.record({ type: fc.constant(5 as const), incarnation: inc, node: name, from: name }),
  fc.record({
    type: fc.constant(6 as const),
    incarnation: inc,
    node: name,
    addr: name,
    meta: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b) as Uint8Array),
  }),
  fc.record({ type: fc.constant(7 as const), incarnation: inc, node: name, from: name }),
);

function encode(msgs: Message[]): Uint8Array {
  const w = new Writer(64);
  for (const m of msgs) writeMessage(w, m);
  return w.copy();
}

function onlyOwnErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SwimError, `unexpected ${(err as Error).name}: ${(err as Error).message}`);
  }
}

test('every message round-trips through the codec', () => {
  fc.assert(
    fc.property(fc.array(message, { minLength: 1, maxLength: 8 }), (msgs) => {
      const back = decodeMessages(encode(msgs)).map((m) =>
        'meta' in m ? { ...m, meta: Buffer.from(m.meta) } : m,
      );
      assert.deepEqual(
        back,
        msgs.map((m) => ('meta' in m ? { ...m, meta: Buffer.from(m.meta) } : { ...m })),
      );
    }),
  );
});

test('random bytes never raise anything but SwimError', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      onlyOwnErrors(() => decodeMessages(bytes));
      onlyOwnErrors(() => decodePushPull(bytes));
      onlyOwnErrors(() => decodePushPullBody(bytes));
      // the same bytes behind a push-pull prefix, so every kind's decoder sees them
      const prefixed = Buffer.concat([Buffer.from([PUSH_PULL]), bytes]);
      onlyOwnErrors(() => decodePushPullBody(prefixed));
    }),
    { numRuns: 2000 },
  );
});

test('every truncation and every single-byte change of a valid packet is handled', () => {
  fc.assert(
    fc.property(
      fc.array(message, { minLength: 1, maxLength: 4 }),
      fc.nat(),
      fc.integer({ min: 0, max: 255 }),
      (msgs, at, v) => {
        const bytes = encode(msgs);
        for (let n = 0; n < bytes.length; n++) onlyOwnErrors(() => decodeMessages(bytes.subarray(0, n)));
        const flipped = Buffer.from(bytes);
        flipped[at % flipped.length] = v;
        onlyOwnErrors(() => decodeMessages(flipped));
      },
    ),
    { numRuns: 300 },
  );
});

test('a push-pull that claims more members than it holds is refused without allocating them', () => {
  const w = new Writer(64);
  writePushPull(w, {
    join: true,
    count: 1,
    members: [{ name: 'a', addr: 'b', incarnation: 1, state: 0, meta: new Uint8Array(0) }],
  });
  const bytes = Buffer.from(w.copy());
  bytes.writeUInt32BE(0xffffffff, 2);
  assert.throws(() => decodePushPull(bytes), { name: 'SwimDecodeError' });
  for (let n = 0; n < w.pos; n++) onlyOwnErrors(() => decodePushPull(w.buf.subarray(0, n)));
});

test('digest requests and replies round-trip; every truncation, extension and byte change is handled', () => {
  fc.assert(
    fc.property(
      u32,
      u32,
      u32,
      fc.boolean(),
      fc.nat(),
      fc.integer({ min: 0, max: 255 }),
      (hi, lo, count, same, at, v) => {
        const w = new Writer(16);
        writeDigestRequest(w, { hi, lo, count });
        const req = w.copy();
        assert.deepEqual(decodePushPullBody(req), { kind: 'digest', digest: { hi, lo, count } });
        w.reset();
        writeDigestReply(w, same);
        const reply = w.copy();
        assert.deepEqual(decodePushPullBody(reply), { kind: 'reply', same });
        for (const bytes of [req, reply]) {
          for (let n = 0; n < bytes.length; n++)
            assert.throws(() => decodePushPullBody(bytes.subarray(0, n)), { name: 'SwimDecodeError' });
          assert.throws(() => decodePushPullBody(Buffer.concat([bytes, Buffer.from([v])])), {
            name: 'SwimDecodeError',
          });
          const flipped = Buffer.from(bytes);
          flipped[at % flipped.length] = v;
          onlyOwnErrors(() => decodePushPullBody(flipped));
        }
        for (const kind of [4, 5, 0x7f, 0xff]) {
          const unknown = Buffer.from(req);
          unknown[1] = kind;
          assert.throws(() => decodePushPullBody(unknown), { name: 'SwimDecodeError' });
        }
      },
    ),
    { numRuns: 500 },
  );
});

test('a full push-pull decodes the same through decodePushPullBody', () => {
  const w = new Writer(64);
  const members: PushPullEntry[] = [
    { name: 'a', addr: 'b', incarnation: 3, state: MemberState.Suspect, meta: new Uint8Array([1, 2]) },
  ];
  writePushPull(w, { join: false, count: 1, members });
  const bytes = w.copy();
  const body = decodePushPullBody(bytes);
  assert.equal(body.kind, 'state');
  assert.deepEqual(body, { kind: 'state', msg: decodePushPull(bytes) });
});

test('a node fed garbage streams and stray digest replies counts drops and answers nothing', () => {
  const c = new SimCluster({ nodes: 3, seed: 4 });
  c.run(1000);
  const attacker = c.net.addNode('attacker');
  attacker.transport.listen({ packet: () => {}, stream: () => null });
  const env = new Envelope('sim', undefined);
  const w = new Writer(16);
  env.begin(w);
  writeDigestReply(w, true);
  const strayReply = env.finish(w);
  const replies: Array<Uint8Array | null> = [];
  attacker.transport.request('n0', strayReply, 100, (_e, r) => replies.push(r));
  let valid = 0;
  fc.assert(
    // kinds from 2 up: digests, replies and unknown kinds (a random full state could add members)
    fc.property(fc.integer({ min: 2, max: 255 }), fc.uint8Array({ maxLength: 40 }), (kind, tail) => {
      env.begin(w);
      w.u8(PUSH_PULL);
      w.u8(kind);
      w.raw(tail);
      if (kind === 2 && tail.length === 12) valid++;
      attacker.transport.request('n0', env.finish(w), 100, (_e, r) => replies.push(r));
      c.run(200);
    }),
    { numRuns: 200 },
  );
  c.run(1000);
  // the sim network never answers a dropped request: only the valid digests got a reply
  assert.equal(replies.filter((r) => r !== null).length, valid);
  assert.equal(c.node('n0').stats.dropped.decode, 201 - valid);
  for (const n of c.nodes.values()) assert.equal(n.numLive, 3);
});

test('forged envelopes: wrong key, wrong cluster, tampered, plaintext, truncated', () => {
  const key = new Uint8Array(32).fill(1);
  const env = new Envelope('c1', new Keyring([key]));
  const w = new Writer(64);
  env.begin(w);
  writeMessage(w, { type: 3, seq: 7 });
  const good = env.finish(w);
  assert.deepEqual(decodeMessages(env.open(good).body, env.open(good).start), [{ type: 3, seq: 7 }]);
  const otherKey = new Envelope('c1', new Keyring([new Uint8Array(32).fill(2)]));
  assert.throws(() => otherKey.open(good), { name: 'SwimAuthError' });
  assert.throws(() => new Envelope('c2', new Keyring([key])).open(good), { name: 'SwimWrongClusterError' });
  const plain = new Envelope('c1', undefined);
  assert.throws(() => plain.open(good), { name: 'SwimAuthError' });
  plain.begin(w);
  writeMessage(w, { type: 3, seq: 7 });
  assert.throws(() => env.open(plain.finish(w)), { name: 'SwimAuthError' });
  for (let i = 0; i < good.length; i++) {
    const t = Buffer.from(good);
    t[i]! ^= 0x40;
    assert.throws(
      () => env.open(t),
      (e: Error) => e instanceof SwimError,
    );
  }
  for (let n = 0; n < good.length; n++)
    assert.throws(
      () => env.open(good.subarray(0, n)),
      (e: Error) => e instanceof SwimError,
    );
});

test('a node fed garbage counts every drop by reason and keeps working', () => {
  const c = new SimCluster({ nodes: 5, seed: 9, keyring: () => new Keyring([new Uint8Array(32).fill(4)]) });
  c.run(2000);
  const attacker = c.net.addNode('attacker');
  attacker.transport.listen({ packet: () => {}, stream: () => null });
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      attacker.transport.sendPacket('n0', bytes);
      c.run(5);
    }),
    { numRuns: 500 },
  );
  const d = c.node('n0').stats.dropped;
  assert.equal(d.auth + d.cluster + d.decode + d.version, 500);
  c.run(5000);
  for (const n of c.nodes.values()) assert.equal(n.numLive, 5);
});

test('incarnation 2^32 - 1 is reserved: a message carrying it is dropped, so a refutation never wraps to 0', () => {
  const suspect = (incarnation: number): Message => ({ type: 5, incarnation, node: 'a', from: 'b' });
  assert.deepEqual(decodeMessages(encode([suspect(MAX_INCARNATION)])), [suspect(MAX_INCARNATION)]);
  assert.throws(() => decodeMessages(encode([suspect(0xffffffff)])), { name: 'SwimDecodeError' });
  const alive: Message = {
    type: 6,
    incarnation: 0xffffffff,
    node: 'a',
    addr: 'x:1',
    meta: new Uint8Array(0),
  };
  assert.throws(() => decodeMessages(encode([alive])), { name: 'SwimDecodeError' });
});
