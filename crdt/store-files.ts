/**
 * The file operations of store.ts: complete writes, the directory lock, durable creation
 * and truncation, directory fsync.
 */

import { closeSync, fsyncSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { StoreLockedError } from './errors.js';
import { LOG_MAGIC } from './log-format.js';
import { acquirePidLock } from './pid-lock.js';

/** A write(2) may take fewer bytes than asked (a full disk, a signal): write the rest, or fail. */
export async function writeAll(fh: FileHandle, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.length) {
    const { bytesWritten } = await fh.write(bytes, at, bytes.length - at);
    if (bytesWritten <= 0) throw new Error(`write made no progress after ${at} of ${bytes.length} bytes`);
    at += bytesWritten;
  }
}

/** Takes `state.lock` for this process; returns its release. */
export function lockDir(dir: string): () => void {
  const path = join(dir, 'state.lock');
  return acquirePidLock(path, {
    // Our own pid: a store of this process that was never closed (or a pid-1 container).
    sameProcess: 'take-over',
    mode: 0o644,
    held: (h) =>
      new StoreLockedError(
        `${dir} is in use by process ${h.pid} (${path}); stop it first, or remove the lock file if that process is not a Fizz node`,
      ),
  });
}

export function writeFresh(path: string, fsync: boolean): void {
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, LOG_MAGIC);
    if (fsync) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  // A new file's name lives in its directory: without this a power loss can drop the log.
  if (fsync) syncDir(dirname(path));
}

export function truncateTo(path: string, length: number, fsync: boolean): void {
  const fd = openSync(path, 'r+');
  try {
    ftruncateSync(fd, length);
    if (fsync) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
