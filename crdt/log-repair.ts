/**
 * Reading a state log that may be damaged, and keeping what is damaged aside: the intact
 * records (also those after a damaged stretch), the damaged stretches, a rewrite of the log
 * with only its intact records, and free names for the damaged copies.
 */
import { closeSync, existsSync, fsyncSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type BadRegion, decodeFramesResync, LOG_MAGIC } from './log-format.js';

export interface KeptRecord {
  offset: number;
  /** The whole frame, header included. */
  length: number;
  frame: Uint8Array;
}

/**
 * Applies every intact record of a log (also those after damage, see decodeFramesResync);
 * a record that passes its checksum but is not an update counts as damage too.
 */
export function readLog(
  bytes: Uint8Array,
  apply: (payload: Uint8Array) => void,
): { kept: KeptRecord[]; bad: BadRegion[] } {
  const decoded = decodeFramesResync(bytes, LOG_MAGIC.length);
  const kept: KeptRecord[] = [];
  const bad: BadRegion[] = [...decoded.bad];
  for (const rec of decoded.records) {
    const length = 8 + rec.payload.length;
    try {
      apply(rec.payload);
      kept.push({ offset: rec.offset, length, frame: bytes.subarray(rec.offset, rec.offset + length) });
    } catch {
      bad.push({
        kind: 'bad-update',
        offset: rec.offset,
        end: rec.offset + length,
        message: `record at offset ${rec.offset} passes its checksum but is not a Yjs update`,
      });
    }
  }
  bad.sort((a, b) => a.offset - b.offset);
  return { kept, bad };
}

/** The log rewritten with only its intact records: temp file, fsync, rename. */
export function rewriteLog(path: string, kept: KeptRecord[], fsync: boolean): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, LOG_MAGIC);
    for (const r of kept) writeSync(fd, r.frame);
    if (fsync) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  if (fsync) syncDir(dirname(path));
}

/** A free name beside `path` for a damaged copy: `path.bad`, then `path.bad.1`, … */
function asideName(path: string): string {
  if (!existsSync(`${path}.bad`)) return `${path}.bad`;
  for (let i = 1; ; i++) if (!existsSync(`${path}.bad.${i}`)) return `${path}.bad.${i}`;
}

export function moveAside(path: string): string {
  const to = asideName(path);
  renameSync(path, to);
  return to;
}

export function saveBad(dir: string, parts: Uint8Array[]): string {
  const to = asideName(join(dir, 'state.log'));
  writeFileSync(to, Buffer.concat(parts));
  return to;
}

function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
