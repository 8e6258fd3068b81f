/**
 * The frame of one SWIM stream message over `/fizz/swim/1`: `[length u32 BE][payload]`,
 * one request and one reply per stream. The protocol id carries the version; the payload
 * is SWIM's own sealed envelope (version, cluster tag, AES-GCM), so this layer only has to
 * bound sizes: a length over the cap is refused before anything is buffered.
 */
import { SwimFrameError } from './errors.js';

/** Anything a libp2p stream yields: a Uint8Array or a Uint8ArrayList (which has `subarray()`). */
export type Chunk = Uint8Array | { subarray(): Uint8Array };

export function encodeFrame(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + payload.length);
  new DataView(out.buffer).setUint32(0, payload.length);
  out.set(payload, 4);
  return out;
}

/**
 * Reads exactly one frame from `source`. Resolves with null when the stream ends before
 * any byte; throws SwimFrameError for a length over `maxBytes` or a stream that ends
 * inside the frame. Bytes after the frame are ignored (one message per stream).
 */
export async function readFrame(source: AsyncIterable<Chunk>, maxBytes: number): Promise<Uint8Array | null> {
  let buf = new Uint8Array(0);
  let want = -1;
  for await (const chunk of source) {
    const bytes = chunk instanceof Uint8Array ? chunk : chunk.subarray();
    const joined = new Uint8Array(buf.length + bytes.length);
    joined.set(buf, 0);
    joined.set(bytes, buf.length);
    buf = joined;
    if (want < 0 && buf.length >= 4) {
      want = new DataView(buf.buffer, buf.byteOffset, 4).getUint32(0);
      if (want > maxBytes)
        throw new SwimFrameError('oversize', `swim frame of ${want} bytes is over the ${maxBytes} limit`);
    }
    if (want >= 0 && buf.length >= 4 + want) return buf.slice(4, 4 + want);
  }
  if (buf.length === 0) return null;
  throw new SwimFrameError('truncated', `stream ended inside a swim frame (${buf.length} bytes)`);
}
