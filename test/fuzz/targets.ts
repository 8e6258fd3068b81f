/**
 * What the wire fuzzer feeds (wire-fuzz.test.ts): each target is a decoder that reads bytes
 * from the network, the project's own error classes it may raise, and valid inputs to
 * truncate, flip, splice and pad. A target passes when every input either decodes or fails
 * with one of its own error names, and never takes long.
 */
import { randomBytes } from 'node:crypto';
import type { Stream } from '@libp2p/interface';
import fc from 'fast-check';
import { ClusterState } from '../../crdt/index.js';
import * as hs from '../../src/agent/cluster/handshake.js';
import { decodeJoinToken, encodeJoinToken } from '../../src/agent/cluster/token.js';
import { decodeGossip, encodeGossip, encodeSyncFrame } from '../../src/net/envelope.js';
import { respondSync } from '../../src/net/sync-protocol.js';
import { Writer } from '../../swim/bytes.js';
import {
  decodeMessages,
  decodePushPullBody,
  type Message,
  writeMessage,
  writePushPull,
} from '../../swim/codec.js';
import { Envelope } from '../../swim/envelope.js';
import { Keyring } from '../../swim/keyring.js';
import type { MemberState } from '../../swim/types.js';

export interface Target {
  /** Error names the decoder may raise; anything else is a bug. */
  own: readonly string[];
  /** Valid inputs, the material the mutations start from. */
  valid: fc.Arbitrary<Uint8Array>;
  /** Decodes one input (resolves or throws). */
  check(input: Uint8Array): unknown;
}

const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

/** Forged and truncated variants of `valid`, and random bytes. */
export function hostile(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    valid,
    fc.uint8Array({ maxLength: 512 }),
    fc.tuple(valid, fc.nat()).map(([v, n]) => v.subarray(0, n % (v.length + 1))),
    fc
      .tuple(valid, fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 4 }))
      .map(([v, edits]) => {
        const out = Buffer.from(v);
        for (const [at, b] of edits) if (out.length > 0) out[at % out.length] = b;
        return new Uint8Array(out);
      }),
    fc.tuple(valid, fc.uint8Array({ minLength: 1, maxLength: 64 })).map(([v, g]) => concat(v, g)),
    fc
      .tuple(valid, valid, fc.nat(), fc.nat())
      .map(([a, b, i, j]) => concat(a.subarray(0, i % (a.length + 1)), b.subarray(j % (b.length + 1)))),
    // A length or count field set to its largest value.
    fc.tuple(valid, fc.nat()).map(([v, at]) => {
      const out = Buffer.from(v);
      if (out.length >= 4) out.writeUInt32BE(0xffffffff, at % (out.length - 3));
      return new Uint8Array(out);
    }),
  );
}

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });

// ---- join tokens ----

const tokenArb = fc.record({
  secret: bytes(32),
  fingerprint: bytes(8),
  addresses: fc.array(
    fc.tuple(fc.ipV4(), fc.integer({ min: 1, max: 65535 })).map(([h, p]) => `${h}:${p}`),
    { maxLength: 8 },
  ),
});

/** The token as the user pastes it: any text. */
const tokenText: Target = {
  own: ['JoinTokenError'],
  valid: tokenArb.map((t) => new Uint8Array(Buffer.from(encodeJoinToken(t), 'latin1'))),
  check: (b) => decodeJoinToken(Buffer.from(b).toString('latin1')),
};

/** The token's bytes behind a well-formed prefix and base64url, so the body parser sees them. */
const tokenBody: Target = {
  own: ['JoinTokenError'],
  valid: tokenArb.map((t) => new Uint8Array(Buffer.from(encodeJoinToken(t).slice(6), 'base64url'))),
  check: (b) => decodeJoinToken(`FIZZ2-${Buffer.from(b).toString('base64url')}`),
};

// ---- SWIM ----

const SWIM_KEY = randomBytes(32);
const swimEnvelope = new Envelope('fuzz-cluster', new Keyring([SWIM_KEY]));
const name = fc.string({ minLength: 1, maxLength: 20 });
const u32 = fc.nat({ max: 0xffffffff });
const message: fc.Arbitrary<Message> = fc.oneof(
  fc.record({ type: fc.constant(1 as const), seq: u32, target: name, source: name, sourceAddr: name }),
  fc.record({ type: fc.constant(3 as const), seq: u32 }),
  fc.record({ type: fc.constant(5 as const), incarnation: u32, node: name, from: name }),
  fc.record({
    type: fc.constant(6 as const),
    incarnation: fc.nat({ max: 0xfffffffe }),
    node: name,
    addr: name,
    meta: fc.uint8Array({ maxLength: 48 }),
  }),
);

/** A body the way the node writes it (messages, or a push-pull), without its envelope. */
const swimBody = fc.oneof(
  fc.array(message, { minLength: 1, maxLength: 5 }).map((msgs) => {
    const w = new Writer(64);
    for (const m of msgs) writeMessage(w, m);
    return w.copy();
  }),
  fc
    .array(
      fc.record({
        name,
        addr: name,
        incarnation: u32,
        state: fc.nat(3) as fc.Arbitrary<MemberState>,
        meta: fc.uint8Array({ maxLength: 32 }),
      }),
      {
        maxLength: 4,
      },
    )
    .map((members) => {
      const w = new Writer(64);
      writePushPull(w, { join: false, count: members.length, members });
      return w.copy();
    }),
);

function seal(body: Uint8Array): Uint8Array {
  const w = new Writer(64);
  swimEnvelope.begin(w);
  w.raw(body);
  return swimEnvelope.finish(w);
}

/** What swim.ts does with a packet or a stream payload: open the envelope, then decode. */
function swimReceive(packet: Uint8Array): unknown {
  const { body, start } = swimEnvelope.open(packet);
  return body[start] === 0x50 ? decodePushPullBody(body, start) : decodeMessages(body, start);
}

/** Forged by someone on the wire: the mutation happens after sealing. */
const swimWire: Target = {
  own: ['SwimDecodeError', 'SwimAuthError', 'SwimVersionError', 'SwimWrongClusterError'],
  valid: swimBody.map(seal),
  check: swimReceive,
};

/** Forged by a holder of the key (a stolen node): the decoder sees the mutated body. */
const swimInner: Target = {
  own: ['SwimDecodeError', 'SwimMetadataError'],
  valid: swimBody,
  check: (body) => swimReceive(seal(body)),
};

// ---- state sync (src/net/) ----

function replica(seed: number): ClusterState {
  const s = new ClusterState({ nodeId: `fuzz-${seed}`, clock: () => 1_700_000_000_000 });
  s.setScale(`p${seed}`, 'web', seed % 5);
  return s;
}

const stateUpdate = fc.nat(50).map((seed) => replica(seed).encodeUpdate());

/** A gossip message as cluster-net.ts takes it: unwrap, then apply to a replica. */
const gossip: Target = {
  own: ['EnvelopeError', 'UpdateDecodeError'],
  valid: stateUpdate.map((u) => encodeGossip(u)),
  check: (b) => replica(99).applyUpdate(decodeGossip(b), 'fuzz'),
};

/** A stream that yields `chunks` and takes whatever is sent: the transport, not the protocol. */
function byteStream(chunks: Uint8Array[]): Stream {
  const source = (async function* () {
    for (const c of chunks) yield c;
  })();
  return {
    [Symbol.asyncIterator]: () => source,
    send: () => true,
    onDrain: async () => {},
    close: async () => {},
    abort: () => {},
  } as unknown as Stream;
}

/** An initiator's side of an exchange, as bytes on the stream: its state vector, then its push. */
const syncStream = fc
  .tuple(fc.nat(50), fc.nat(50))
  .map(([a, b]) =>
    concat(
      encodeSyncFrame({ type: 'state-vector', sv: replica(a).stateVector() }),
      encodeSyncFrame({ type: 'push', update: replica(b).encodeUpdate() }),
    ),
  );

/** A responder fed forged frames in random chunks (sync-protocol.ts). */
const sync: Target = {
  own: ['SyncError', 'SyncLimitError', 'EnvelopeError'],
  valid: syncStream,
  async check(b) {
    const cut = Math.max(1, b[0] ?? 1);
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < b.length; i += cut) chunks.push(b.subarray(i, i + cut));
    const doc = replica(98);
    await respondSync(byteStream(chunks), doc, { maxFrameBytes: 1 << 20, timeoutMs: 5_000, origin: 'fuzz' });
    doc.encodeUpdate(); // the replica is still usable
  },
};

// ---- admission (src/agent/cluster/handshake.ts) ----

const PSK = randomBytes(32);
const TOKEN_ID = randomBytes(16);

/** The four frames of a real admission, and both sides' state after it. */
function admission() {
  const joiner = hs.ephemeral();
  const member = hs.ephemeral();
  const hello = hs.hello(joiner, TOKEN_ID);
  const ms = hs.session(member, joiner.pub, PSK, hello, member.pub);
  const challenge = Buffer.concat([member.pub, hs.tag(ms, 'member')]);
  const js = hs.session(joiner, member.pub, PSK, hello, member.pub);
  const proof = Buffer.concat([hs.tag(js, 'joiner'), hs.seal(js, { node: 'n1', name: 'h1' }, 'joiner')]);
  const welcome = hs.seal(ms, { ok: true, key: 'k' }, 'member');
  return { joiner, member, hello, ms, js, frames: [hello, challenge, proof, welcome] };
}

/** One admission, so its valid frames verify against the sides that receive them. */
const ADMISSION = admission();

/** Each side's handling of the frame it receives (admission.ts: admit and requestAdmission). */
function receive(which: number, frame: Buffer): unknown {
  const a = ADMISSION;
  switch (which) {
    case 0: {
      const h = hs.parseHello(frame);
      return hs.session(a.member, h.pub, PSK, frame, a.member.pub);
    }
    case 1: {
      if (frame.length !== hs.CHALLENGE_BYTES) throw new hs.HandshakeError('malformed answer');
      const s = hs.session(a.joiner, frame.subarray(0, 32), PSK, a.hello, frame.subarray(0, 32));
      return hs.checkTag(s, 'member', frame.subarray(32));
    }
    case 2:
      hs.checkTag(a.ms, 'joiner', frame.subarray(0, 32));
      return hs.open(a.ms, frame.subarray(32), 'joiner');
    default:
      return hs.open(a.js, frame, 'member');
  }
}

/** The first byte picks the frame (hello, challenge, proof, welcome); the rest is that frame. */
const handshake: Target = {
  own: ['HandshakeError'],
  valid: fc.nat(3).map((i) => concat(Buffer.from([i]), ADMISSION.frames[i]!)),
  check: (b) => receive((b[0] ?? 0) % 4, Buffer.from(b.subarray(1))),
};

export const TARGETS: Record<string, Target> = {
  'token-text': tokenText,
  'token-body': tokenBody,
  'swim-wire': swimWire,
  'swim-inner': swimInner,
  gossip,
  sync,
  handshake,
};
