/**
 * Update and state-vector bytes carry the epoch of the document they belong to (epoch.ts).
 * Epoch 0, the document every cluster starts with, is Yjs's bytes as they are, so stores
 * and peers from before epochs read the same; from epoch 1 on they are framed:
 *
 *   0xFF 'F' 'Z' 'E' | kind | epoch (unsigned LEB128, 1 to 2^32 − 1) | Yjs bytes
 *
 * where kind is 1 for a change (or a state vector) and 2 for a whole document, the one
 * thing a replica of an earlier epoch can adopt: a document may hold changes still waiting
 * for others, so what arrives cannot tell by itself.
 *
 * No Yjs v2 update starts with 0xFF (its first byte is 0), and a Yjs state vector would
 * start so only with 9,087+ client ids of which the first is 90. Every byte is hostile: a
 * frame that does not parse is an UpdateDecodeError.
 */
import { UpdateDecodeError } from './errors.js';

const MAGIC = [0xff, 0x46, 0x5a, 0x45];
const CHANGE = 1;
const WHOLE = 2;
export const MAX_EPOCH = 0xffff_ffff;

export function frame(epoch: number, body: Uint8Array, whole = false): Uint8Array {
  if (epoch === 0) return body;
  const head: number[] = [...MAGIC, whole ? WHOLE : CHANGE];
  for (let e = epoch; ; ) {
    const byte = e & 0x7f;
    e = Math.floor(e / 128);
    head.push(e > 0 ? byte | 0x80 : byte);
    if (e === 0) break;
  }
  const out = new Uint8Array(head.length + body.length);
  out.set(head, 0);
  out.set(body, head.length);
  return out;
}

export function unframe(bytes: Uint8Array): { epoch: number; whole: boolean; body: Uint8Array } {
  if (!(bytes instanceof Uint8Array)) throw new UpdateDecodeError('update bytes must be a Uint8Array');
  if (bytes.length < MAGIC.length || MAGIC.some((b, i) => bytes[i] !== b))
    return { epoch: 0, whole: false, body: bytes };
  const kind = bytes[MAGIC.length];
  if (kind !== CHANGE && kind !== WHOLE) throw new UpdateDecodeError(`epoch frame of unknown kind ${kind}`);
  let epoch = 0;
  let at = MAGIC.length + 1;
  for (let shift = 1; ; shift *= 128) {
    const byte = bytes[at++];
    if (byte === undefined || shift > 128 ** 4) throw new UpdateDecodeError('epoch frame cut short');
    epoch += (byte & 0x7f) * shift;
    if ((byte & 0x80) === 0) break;
  }
  if (epoch < 1 || epoch > MAX_EPOCH) throw new UpdateDecodeError(`epoch ${epoch} out of range`);
  return { epoch, whole: kind === WHOLE, body: bytes.subarray(at) };
}
