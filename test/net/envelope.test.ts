/** The wire decoders treat every byte as hostile: random, truncated and mutated input only ever raises
 * EnvelopeError (or SyncLimitError, for a length over the limit). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  decodeGossip,
  decodeSyncFrame,
  encodeGossip,
  encodeSyncFrame,
  FrameReader,
  type SyncFrame,
} from '../../src/net/envelope.js';
import { SyncLimitError } from '../../src/net/limits.js';

const bytes = fc.uint8Array({ maxLength: 300 });
const frameArb: fc.Arbitrary<SyncFrame> = fc.oneof(
  fc.record({ type: fc.constant('state-vector' as const), sv: bytes }),
  fc.record({ type: fc.constant('answer' as const), update: bytes, sv: bytes }),
  fc.record({ type: fc.constant('push' as const), update: bytes }),
);

function onlyEnvelopeErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    assert.equal((err as Error).name, 'EnvelopeError', String(err));
  }
}

async function readAll(chunks: Uint8Array[], max: number): Promise<Uint8Array[]> {
  async function* gen() {
    yield* chunks;
  }
  const reader = new FrameReader(gen(), max);
  const out: Uint8Array[] = [];
  for (;;) {
    const f = await reader.next();
    if (f === null) return out;
    out.push(f);
  }
}

test('gossip envelope round-trips and rejects other versions and types', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), (u) => {
      assert.deepEqual(decodeGossip(encodeGossip(u)), u);
    }),
  );
  assert.throws(() => decodeGossip(new Uint8Array([2, 1, 0])), { name: 'EnvelopeError' });
  assert.throws(() => decodeGossip(new Uint8Array([1, 9, 0])), { name: 'EnvelopeError' });
  assert.throws(() => decodeGossip(new Uint8Array([1])), { name: 'EnvelopeError' });
});

test('random gossip and sync bytes raise only EnvelopeError', () => {
  fc.assert(
    fc.property(bytes, (b) => {
      onlyEnvelopeErrors(() => decodeGossip(b));
      onlyEnvelopeErrors(() => decodeSyncFrame(b));
    }),
    { numRuns: 2000 },
  );
});

test('sync frames round-trip through the frame reader, however the stream is chunked', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(frameArb, { maxLength: 5 }),
      fc.array(fc.nat(50), { maxLength: 20 }),
      async (frames, cuts) => {
        const wire = Buffer.concat(frames.map((f) => encodeSyncFrame(f)));
        const chunks: Uint8Array[] = [];
        let at = 0;
        for (const c of cuts) {
          chunks.push(wire.subarray(at, Math.min(wire.length, at + c)));
          at = Math.min(wire.length, at + c);
        }
        chunks.push(wire.subarray(at));
        const got = await readAll(chunks, 1 << 20);
        assert.deepEqual(
          got.map((g) => decodeSyncFrame(g)),
          frames.map((f) => ({ ...f })),
        );
      },
    ),
  );
});

/** A mutated length prefix may also claim a frame over the limit: SyncLimitError, refused unbuffered. */
const FRAME_ERRORS = ['EnvelopeError', 'SyncLimitError'];

test('truncated, oversized and mutated frame streams raise only EnvelopeError or SyncLimitError', async () => {
  await fc.assert(
    fc.asyncProperty(frameArb, fc.nat(), fc.nat(255), async (frame, pos, value) => {
      const wire = encodeSyncFrame(frame);
      const cut = wire.subarray(0, pos % wire.length);
      try {
        await readAll([cut], 1 << 20);
      } catch (err) {
        assert.ok(FRAME_ERRORS.includes((err as Error).name), String(err));
      }
      const mutated = new Uint8Array(wire);
      mutated[pos % wire.length] = value;
      try {
        for (const f of await readAll([mutated], 1 << 20)) onlyEnvelopeErrors(() => decodeSyncFrame(f));
      } catch (err) {
        assert.ok(FRAME_ERRORS.includes((err as Error).name), String(err));
      }
    }),
    { numRuns: 1000 },
  );
  await assert.rejects(readAll([new Uint8Array([0xff, 0xff, 0xff, 0xff, 0])], 1 << 20), {
    name: 'SyncLimitError',
    limit: 'frame-bytes',
  });
  await assert.rejects(readAll([new Uint8Array([0, 0, 0, 9, 1, 1])], 1 << 20), { name: 'EnvelopeError' });
});

test('the frame reader asks before buffering each chunk, and stops at a refusal', async () => {
  const wire = encodeSyncFrame({ type: 'push', update: new Uint8Array(1000).fill(5) });
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < wire.length; i += 100) chunks.push(wire.subarray(i, i + 100));
  let pulled = 0;
  async function* gen() {
    for (const c of chunks) {
      pulled++;
      yield c;
    }
  }
  let held = 0;
  const reader = new FrameReader(gen(), 1 << 20, (n) => {
    if (held + n > 500) throw new SyncLimitError('peer-bytes', 'over 500');
    held += n;
  });
  await assert.rejects(reader.next(), { name: 'SyncLimitError', limit: 'peer-bytes' });
  assert.equal(held, 500, 'five chunks of 100 held, the sixth refused');
  assert.equal(pulled, 6, 'nothing read after the refusal');
});

test('a big frame arriving in small chunks is joined once, not once per chunk', async () => {
  const update = new Uint8Array(256 * 1024).map((_, i) => i * 7);
  const wire = encodeSyncFrame({ type: 'push', update });
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < wire.length; i += 64) chunks.push(wire.subarray(i, i + 64));
  // Count the bytes of every array the reader allocates: joining the buffer on each chunk
  // copies the frame over and over (here ~512 MiB; for a 64 MiB document in 64 KiB chunks,
  // ~32 GiB, past the sync timeout).
  const Real = globalThis.Uint8Array;
  let allocated = 0;
  class Counting extends Real {
    constructor(...args: unknown[]) {
      super(...(args as [number]));
      if (typeof args[0] === 'number') allocated += args[0];
    }
  }
  globalThis.Uint8Array = Counting as typeof Uint8Array;
  let frames: Uint8Array[];
  try {
    frames = await readAll(chunks, 1024 * 1024);
  } finally {
    globalThis.Uint8Array = Real;
  }
  assert.equal(frames.length, 1);
  assert.ok(
    allocated < 4 * wire.length,
    `the reader allocated ${allocated} bytes for a ${wire.length}-byte frame`,
  );
  const frame = decodeSyncFrame(frames[0]!);
  assert.equal(frame.type, 'push');
  assert.ok(Buffer.from((frame as { update: Uint8Array }).update).equals(Buffer.from(update)));
});
