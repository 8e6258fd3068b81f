/**
 * The node-to-node API's frames are decoded as hostile input: round trips whatever the
 * chunking, and random, truncated, mutated or oversize input only ever raises the
 * protocol's own errors (RemoteFrameError, RemoteLimitError; RemoteRequestError for a
 * request that decodes as a frame but not as a request).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  decodeRemoteFrame,
  encodeRemoteFrame,
  type RemoteFrame,
  RemoteFrameDecoder,
} from '../../../src/agent/remote/frame.js';
import { decodeRemoteRequest, type RemoteRequest } from '../../../src/agent/remote/request.js';

const MAX = 4096;
const json = fc.jsonValue({ maxDepth: 3 });
const bytes = fc.uint8Array({ maxLength: 200 });
const frameArb: fc.Arbitrary<RemoteFrame> = fc.oneof(
  fc.record({ type: fc.constantFrom('request' as const, 'event' as const, 'result' as const), value: json }),
  fc.record({ type: fc.constant('error' as const), name: fc.string(), message: fc.string() }),
  fc.record({ type: fc.constantFrom('ping' as const, 'stdin-end' as const) }),
  fc.record({
    type: fc.constantFrom('stdin' as const, 'stdout' as const, 'stderr' as const, 'data' as const),
    data: bytes,
  }),
  fc.record({
    type: fc.constant('resize' as const),
    rows: fc.integer({ min: 0, max: 0xffff }),
    cols: fc.integer({ min: 0, max: 0xffff }),
  }),
  fc.record({ type: fc.constant('exit' as const), code: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) }),
);

const OWN = new Set(['RemoteFrameError', 'RemoteLimitError']);

/** Feeds `data` in pieces cut at `cuts`; returns the frames, or the error's name. */
function feed(data: Uint8Array, cuts: number[], max = MAX): RemoteFrame[] | string {
  const d = new RemoteFrameDecoder(max);
  const out: RemoteFrame[] = [];
  const at = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  try {
    for (const c of [...at, data.length]) {
      out.push(...d.push(data.subarray(from, c)));
      from = c;
    }
    d.end();
    return out;
  } catch (err) {
    const name = (err as Error).name;
    assert.ok(OWN.has(name), `unexpected ${name}: ${(err as Error).message}`);
    return name;
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts.map((p) => Buffer.from(p)));
}

/** JSON round trip changes -0 to 0 and drops nothing else the generator makes. */
const normal = (f: RemoteFrame) =>
  JSON.parse(JSON.stringify(f, (_k, v) => (v instanceof Uint8Array ? [...v] : v)));

test('frames round-trip whatever the chunking', () => {
  fc.assert(
    fc.property(
      fc.array(frameArb, { maxLength: 8 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      (frames, cuts) => {
        const got = feed(concat(frames.map(encodeRemoteFrame)), cuts, 1 << 20);
        assert.ok(Array.isArray(got), String(got));
        assert.deepEqual(got.map(normal), frames.map(normal));
      },
    ),
  );
});

test('random bytes raise only the protocol errors', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), fc.array(fc.nat(), { maxLength: 5 }), (data, cuts) => {
      feed(data, cuts);
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(bytes, (data) => {
      try {
        decodeRemoteFrame(data);
      } catch (err) {
        assert.equal((err as Error).name, 'RemoteFrameError');
      }
    }),
    { numRuns: 2000 },
  );
});

test('a stream cut inside a frame is a RemoteFrameError, never a partial frame', () => {
  fc.assert(
    fc.property(fc.array(frameArb, { minLength: 1, maxLength: 5 }), fc.nat(), (frames, cut) => {
      const whole = concat(frames.map(encodeRemoteFrame));
      const ends: number[] = [];
      for (const f of frames) ends.push((ends.at(-1) ?? 0) + encodeRemoteFrame(f).length);
      const at = cut % whole.length;
      const got = feed(whole.subarray(0, at), [], 1 << 20);
      if (at === 0 || ends.includes(at)) assert.ok(Array.isArray(got));
      else assert.equal(got, 'RemoteFrameError');
    }),
  );
});

test('mutated frames raise only the protocol errors', () => {
  fc.assert(
    fc.property(
      fc.array(frameArb, { minLength: 1, maxLength: 4 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
      (frames, edits) => {
        const data = concat(frames.map(encodeRemoteFrame));
        for (const [i, b] of edits) data[i % data.length] = b;
        feed(data, []);
      },
    ),
    { numRuns: 2000 },
  );
});

test('a declared length over the limit is refused on its prefix, before the frame is buffered', () => {
  const d = new RemoteFrameDecoder(100);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(0xffffffff);
  assert.throws(() => d.push(head), { name: 'RemoteLimitError', limit: 'frame-bytes' });
  assert.throws(
    () => new RemoteFrameDecoder(100).push(encodeRemoteFrame({ type: 'stdout', data: new Uint8Array(99) })),
    {
      name: 'RemoteLimitError',
    },
  );
  assert.equal(
    new RemoteFrameDecoder(100).push(encodeRemoteFrame({ type: 'stdout', data: new Uint8Array(98) })).length,
    1,
  );
});

test('each type is checked: versions, types, fixed sizes, JSON and error bodies', () => {
  const frame = (version: number, type: number, payload: number[] = []) =>
    new Uint8Array([version, type, ...payload]);
  const bad = [
    frame(2, 1, [...Buffer.from('{}')]),
    frame(1, 0),
    frame(1, 99),
    frame(1, 5, [0]),
    frame(1, 7, [1]),
    frame(1, 8, [0, 1, 0]),
    frame(1, 11, [0, 0, 0, 0, 0]),
    frame(1, 1, [...Buffer.from('{"a":')]),
    frame(1, 2, [0xff, 0xfe]),
    frame(1, 4, [...Buffer.from('{"name":1,"message":"x"}')]),
    frame(1, 4, [...Buffer.from('null')]),
    new Uint8Array([1]),
  ];
  for (const b of bad) assert.throws(() => decodeRemoteFrame(b), { name: 'RemoteFrameError' }, `${[...b]}`);
});

const name = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,8}$/);
const requestArb: fc.Arbitrary<RemoteRequest> = fc.oneof(
  fc.record({
    op: fc.constant('logs' as const),
    body: fc.record({ project: name, services: fc.array(name, { maxLength: 3 }), follow: fc.boolean() }),
  }),
  fc.record({
    op: fc.constantFrom('restart' as const, 'pause' as const, 'unpause' as const),
    body: fc.record({ project: name, services: fc.array(name, { maxLength: 3 }) }),
  }),
  fc.record({
    op: fc.constantFrom('top' as const, 'images' as const),
    body: fc.record({ project: name, services: fc.array(name, { maxLength: 3 }) }),
  }),
  fc.record({
    op: fc.constant('label' as const),
    body: fc.record({
      node: name,
      set: fc.dictionary(name, fc.string()),
      unset: fc.array(name, { maxLength: 2 }),
    }),
  }),
  fc.record({
    op: fc.constant('exec' as const),
    body: fc.record({
      project: name,
      service: name,
      index: fc.integer({ min: 1, max: 9 }),
      command: fc.array(fc.string(), { minLength: 1, maxLength: 3 }),
      tty: fc.boolean(),
      detach: fc.boolean(),
      env: fc.array(
        name.map((k) => `${k}=1`),
        { maxLength: 2 },
      ),
    }),
  }),
);

test('requests round-trip through a frame, and any other JSON is a RemoteRequestError', () => {
  fc.assert(
    fc.property(requestArb, (req) => {
      const f = decodeRemoteFrame(encodeRemoteFrame({ type: 'request', value: req }).subarray(4));
      assert.equal(f.type, 'request');
      assert.deepEqual(decodeRemoteRequest((f as { value: unknown }).value), JSON.parse(JSON.stringify(req)));
    }),
  );
  fc.assert(
    fc.property(
      fc.oneof(
        json,
        fc.record({ op: fc.constantFrom('logs', 'exec', 'kill', 'label', 'top', 'x'), body: json }),
      ),
      (v) => {
        try {
          decodeRemoteRequest(v);
        } catch (err) {
          assert.equal((err as Error).name, 'RemoteRequestError');
        }
      },
    ),
    { numRuns: 2000 },
  );
  assert.throws(() => decodeRemoteRequest({ op: 'up', body: {} }), { name: 'RemoteRequestError' });
  assert.throws(() => decodeRemoteRequest({ op: 'logs', body: { project: '../x', services: [] } }), {
    name: 'RemoteRequestError',
  });
});
