/**
 * The versioned wire formats of the cluster network, pure. Every decoder treats its input
 * as hostile: a wrong version, an unknown type or a length that does not add up is an
 * EnvelopeError, never an exception of another kind and never a partial read.
 *
 * Gossip message:  version u8 | type u8 (1 = update) | Yjs update
 * Sync frame:      u32 BE length | version u8 | type u8 | body
 *   type 1 (state vector):  body = the sender's Yjs state vector
 *   type 2 (answer):        body = u32 BE n | update of n bytes | the sender's state vector
 *   type 3 (push):          body = update
 */
import { ByteQueue } from './byte-queue.js';
import { WIRE_VERSION } from './constants.js';
import { EnvelopeError } from './errors.js';
import { SyncLimitError } from './limits.js';

export const GOSSIP_UPDATE = 1;

export type SyncFrame =
  | { type: 'state-vector'; sv: Uint8Array }
  | { type: 'answer'; update: Uint8Array; sv: Uint8Array }
  | { type: 'push'; update: Uint8Array };

const SYNC_TYPES = { 'state-vector': 1, answer: 2, push: 3 } as const;

export function encodeGossip(update: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + update.length);
  out[0] = WIRE_VERSION;
  out[1] = GOSSIP_UPDATE;
  out.set(update, 2);
  return out;
}

export function decodeGossip(data: Uint8Array): Uint8Array {
  if (!(data instanceof Uint8Array) || data.length < 3) throw new EnvelopeError('gossip message too short');
  if (data[0] !== WIRE_VERSION) throw new EnvelopeError(`gossip message of unknown version ${data[0]}`);
  if (data[1] !== GOSSIP_UPDATE) throw new EnvelopeError(`gossip message of unknown type ${data[1]}`);
  return data.subarray(2);
}

/** A sync frame with its 4-byte length prefix. */
export function encodeSyncFrame(frame: SyncFrame): Uint8Array {
  const parts: Uint8Array[] =
    frame.type === 'answer'
      ? [u32(frame.update.length), frame.update, frame.sv]
      : [frame.type === 'push' ? frame.update : frame.sv];
  const bodyLength = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(4 + 2 + bodyLength);
  new DataView(out.buffer).setUint32(0, 2 + bodyLength);
  out[4] = WIRE_VERSION;
  out[5] = SYNC_TYPES[frame.type];
  let at = 6;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Decodes one frame's content (without its length prefix). */
export function decodeSyncFrame(data: Uint8Array): SyncFrame {
  if (data.length < 2) throw new EnvelopeError('sync frame too short');
  if (data[0] !== WIRE_VERSION) throw new EnvelopeError(`sync frame of unknown version ${data[0]}`);
  const body = data.subarray(2);
  switch (data[1]) {
    case 1:
      return { type: 'state-vector', sv: body };
    case 2: {
      if (body.length < 4) throw new EnvelopeError('sync answer too short');
      const n = new DataView(body.buffer, body.byteOffset, body.byteLength).getUint32(0);
      if (n > body.length - 4)
        throw new EnvelopeError(`sync answer claims an update of ${n} bytes, has ${body.length - 4}`);
      return { type: 'answer', update: body.subarray(4, 4 + n), sv: body.subarray(4 + n) };
    }
    case 3:
      return { type: 'push', update: body };
    default:
      throw new EnvelopeError(`sync frame of unknown type ${data[1]}`);
  }
}

function u32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

/** Anything a libp2p stream yields: a Uint8Array or a Uint8ArrayList (which has `subarray()`). */
export type Chunk = Uint8Array | { subarray(): Uint8Array };

/**
 * Reads length-prefixed frames from a stream's chunks. Returns null at a clean end of
 * stream; throws EnvelopeError for a stream that ends mid-frame, and SyncLimitError
 * ('frame-bytes') for a declared length over `maxBytes`, before buffering any more of it.
 * `onBuffered(n)` is called before each chunk is kept; it may throw to refuse the chunk
 * (the byte budget of the stream's peer, see sync-budget.ts).
 * The chunks wait in a ByteQueue, joined once per frame.
 */
export class FrameReader {
  private readonly queue = new ByteQueue();

  constructor(
    private readonly source: AsyncIterator<Chunk>,
    private readonly maxBytes: number,
    private readonly onBuffered: (n: number) => void = () => {},
  ) {}

  async next(): Promise<Uint8Array | null> {
    for (;;) {
      if (this.queue.size >= 4) {
        const head = this.queue.peek(4);
        const n = new DataView(head.buffer, head.byteOffset, 4).getUint32(0);
        if (n > this.maxBytes)
          throw new SyncLimitError(
            'frame-bytes',
            `sync frame of ${n} bytes is over the ${this.maxBytes} limit`,
          );
        if (this.queue.size >= 4 + n) return this.queue.take(4 + n).subarray(4);
      }
      const { value, done } = await this.source.next();
      if (done) {
        if (this.queue.size === 0) return null;
        throw new EnvelopeError(`stream ended inside a frame (${this.queue.size} bytes buffered)`);
      }
      const bytes = value instanceof Uint8Array ? value : value.subarray();
      if (bytes.length === 0) continue;
      this.onBuffered(bytes.length);
      this.queue.push(bytes);
    }
  }
}
