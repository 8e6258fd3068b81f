/**
 * The on-disk framing of the state store, pure (no fs): an 8-byte magic naming the file
 * kind and format version, then records of `u32 LE length | u32 LE crc32(payload) | payload`.
 * The decoder treats every byte as hostile: it returns the records of the longest valid
 * prefix and, when it stops early, where and why.
 */
import { crc32 } from './crc32.js';

export const LOG_MAGIC = new TextEncoder().encode('FIZZLOG1');
export const SNAPSHOT_MAGIC = new TextEncoder().encode('FIZZSNP1');
export const FRAME_HEADER = 8;
/** No single record may claim more than this; a larger length is corruption, not a record. */
export const MAX_RECORD = 256 * 1024 * 1024;

export function encodeFrame(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, payload.length, true);
  view.setUint32(4, crc32(payload), true);
  out.set(payload, FRAME_HEADER);
  return out;
}

export function encodeFrames(payloads: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of payloads) size += FRAME_HEADER + p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of payloads) {
    out.set(encodeFrame(p), at);
    at += FRAME_HEADER + p.length;
  }
  return out;
}

export type FrameProblem = 'torn-header' | 'torn-record' | 'bad-length' | 'bad-checksum';

export interface DecodedFrames {
  /** Each record with the file offset its frame starts at. */
  records: Array<{ offset: number; payload: Uint8Array }>;
  /** Offset just past the last valid record. */
  validEnd: number;
  problem?: { kind: FrameProblem; offset: number; message: string };
}

/** Decodes the frames of `bytes` from `start` on. */
export function decodeFrames(bytes: Uint8Array, start: number): DecodedFrames {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: DecodedFrames['records'] = [];
  let at = start;
  while (at < bytes.length) {
    const left = bytes.length - at;
    if (left < FRAME_HEADER) {
      return problem(
        records,
        at,
        'torn-header',
        `${left} stray bytes at offset ${at}, less than a record header`,
      );
    }
    const length = view.getUint32(at, true);
    const sum = view.getUint32(at + 4, true);
    if (length > MAX_RECORD) {
      return problem(
        records,
        at,
        'bad-length',
        `record at offset ${at} claims ${length} bytes, over the limit`,
      );
    }
    if (length > left - FRAME_HEADER) {
      return problem(
        records,
        at,
        'torn-record',
        `record at offset ${at} claims ${length} bytes but only ${left - FRAME_HEADER} follow`,
      );
    }
    const payload = bytes.subarray(at + FRAME_HEADER, at + FRAME_HEADER + length);
    if (crc32(payload) !== sum) {
      return problem(
        records,
        at,
        'bad-checksum',
        `record at offset ${at} (${length} bytes) fails its checksum`,
      );
    }
    records.push({ offset: at, payload });
    at += FRAME_HEADER + length;
  }
  return { records, validEnd: at };
}

function problem(
  records: DecodedFrames['records'],
  offset: number,
  kind: FrameProblem,
  message: string,
): DecodedFrames {
  return { records, validEnd: offset, problem: { kind, offset, message } };
}

export function hasMagic(bytes: Uint8Array, magic: Uint8Array): boolean {
  if (bytes.length < magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (bytes[i] !== magic[i]) return false;
  return true;
}

/** A file shorter than its magic whose bytes are the magic's beginning: a crash while creating it. */
export function isTornMagic(bytes: Uint8Array, magic: Uint8Array): boolean {
  if (bytes.length >= magic.length) return false;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== magic[i]) return false;
  return true;
}

export interface BadRegion {
  kind: FrameProblem | 'bad-update';
  /** Where the bad bytes start and end (exclusive). */
  offset: number;
  end: number;
  message: string;
}

export interface ResyncedFrames {
  records: DecodedFrames['records'];
  /** The damaged stretches, in file order; empty for a clean file. */
  bad: BadRegion[];
}

/**
 * Decodes every intact frame of `bytes` from `start` on, also those after damage: past a
 * bad frame the decoder looks, byte by byte, for the next offset where a whole non-empty
 * frame with a matching checksum starts, and goes on from there. Bytes overwritten in the
 * middle of a log then cost the records they hit, not every record after them.
 */
export function decodeFramesResync(bytes: Uint8Array, start: number): ResyncedFrames {
  const records: DecodedFrames['records'] = [];
  const bad: BadRegion[] = [];
  let at = start;
  while (at < bytes.length) {
    const part = decodeFrames(bytes, at);
    records.push(...part.records);
    if (!part.problem) break;
    const next = nextFrame(bytes, part.validEnd + 1);
    const end = next ?? bytes.length;
    bad.push({ ...part.problem, offset: part.validEnd, end });
    at = end;
  }
  return { records, bad };
}

/** The first offset from `from` on where a whole non-empty frame with a good checksum starts. */
function nextFrame(bytes: Uint8Array, from: number): number | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = from; at + FRAME_HEADER < bytes.length; at++) {
    const length = view.getUint32(at, true);
    if (length === 0 || length > bytes.length - at - FRAME_HEADER) continue;
    const sum = view.getUint32(at + 4, true);
    if (crc32(bytes.subarray(at + FRAME_HEADER, at + FRAME_HEADER + length)) === sum) return at;
  }
  return undefined;
}
