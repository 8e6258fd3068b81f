/**
 * The durable home of a ClusterState: `state.snap` (the whole document, replaced atomically
 * by write-temp + fsync + rename) and `state.log` (an append-only log of every update since,
 * framed by log-format.ts). Every update, local or remote, is appended; `flush()` resolves
 * once everything appended so far is fsynced, so a change is acknowledged only after it is
 * on disk. Writes are grouped: all updates made while a write is in flight go out in the
 * next one. When the log passes a size or record limit it is compacted: a new snapshot,
 * then the log truncated to its header. Any crash between those steps leaves a snapshot and
 * a log that together hold everything (Yjs updates are idempotent). A project's removal
 * (`fizz down`, here or on a peer) compacts at once when the files are not tiny: the
 * removed spec, which may be megabytes, then leaves the disk with the project.
 *
 * On open, damage is detected (log-repair.ts): every intact record is kept, also those after
 * bytes damaged mid-log; the bad bytes are saved beside the log (`state.log.bad`), the log is
 * truncated (damage at its tail) or rewritten with its intact records, and each damaged
 * stretch is reported to the handed-in logger and `onProblem` with its offsets and what was
 * lost — never silently. A snapshot or a log header that is not ours is moved aside
 * (`state.snap.bad`, `state.log.bad`), never overwritten. A store that found damage says it
 * is not `trusted`: the agent then removes nothing on its word.
 *
 * A `change` listener that throws is the listener's bug, not a failed write: its error goes
 * to `onListenerError` (or the logger's `warn`), is counted in `stats().listenerErrors`, and
 * the change is still stored and the call that made it returns normally. Otherwise a
 * listener's bug would surface as an exception from `putProject`, or as a remote update
 * that "does not decode" to the network, though the change had been applied and logged.
 *
 * One process at a time: `state.lock` holds the owner's pid. A second process opening the
 * directory would read a record the owner is still writing as a torn tail and truncate it
 * (losing a change the owner then acknowledges), and its compaction would cut the owner's
 * appends; it fails with StoreLockedError instead. A lock left by a dead process, a zombie or
 * a process that reused its pid is taken over (pid-lock.ts).
 *
 * A new epoch (epoch.ts) is logged as one record holding its whole document, and compacted
 * into a snapshot right after it is written.
 *
 * A clean close leaves the Yjs client id for the next open (`state.client`, store-client.ts),
 * so that restarts do not grow the state vector.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import { ClusterState } from './cluster-state.js';
import { StoreClosedError } from './errors.js';
import {
  decodeFrames,
  encodeFrame,
  encodeFrames,
  hasMagic,
  isTornMagic,
  LOG_MAGIC,
  SNAPSHOT_MAGIC,
} from './log-format.js';
import { moveAside, readLog, rewriteLog, saveBad } from './log-repair.js';
import { forgetClient, readSavedClient, saveClient } from './store-client.js';
import { lockDir, syncDir, truncateTo, writeAll, writeFresh } from './store-files.js';
import type { StateChange } from './types.js';

/** pino-compatible: `logger.warn({ fields }, 'message')`. */
export interface StoreLogger {
  warn(fields: Record<string, unknown>, message: string): void;
  info?(fields: Record<string, unknown>, message: string): void;
}

export type StoreProblemKind =
  | 'bad-header'
  | 'torn-header'
  | 'torn-record'
  | 'bad-length'
  | 'bad-checksum'
  | 'bad-update'
  | 'bad-snapshot';

export interface StoreProblem {
  kind: StoreProblemKind;
  file: string;
  offset: number;
  message: string;
  /** Bytes dropped from the log (saved in `state.log.bad`). */
  droppedBytes: number;
}

export interface StoreOptions {
  nodeId: string;
  clock: () => number;
  /** fsync before acknowledging (default true; false only for benchmarks and simulations). */
  fsync?: boolean;
  logger?: StoreLogger;
  onProblem?: (p: StoreProblem) => void;
  /** Receives what a `change` listener of `state` throws (default: `logger.warn`). */
  onListenerError?: (err: unknown, change: StateChange) => void;
  /** Compact when the log passes this many bytes (default 4 MiB)… */
  compactBytes?: number;
  /** …or this many records (default 10,000). */
  compactRecords?: number;
  /**
   * A project removed while snapshot and log hold more than this compacts them at once
   * (default 64 KiB), so its spec leaves the disk with it, not at the next size limit.
   */
  compactOnRemovalBytes?: number;
}

export interface StoreStats {
  logBytes: number;
  logRecords: number;
  snapshotBytes: number;
  compactions: number;
  /** Errors thrown by `change` listeners since open (reported, never thrown). */
  listenerErrors: number;
}

export interface Store {
  readonly state: ClusterState;
  /** Problems found while opening (also reported to the logger and `onProblem`). */
  readonly problems: readonly StoreProblem[];
  /**
   * False when opening found damage (a lost record, a bad snapshot or header): the state may
   * lack what was once acknowledged, so it must not be the reason to remove anything.
   */
  readonly trusted: boolean;
  /** Resolves when every update made so far is durable. */
  flush(): Promise<void>;
  /** Writes a snapshot and truncates the log now. */
  compact(): Promise<void>;
  stats(): StoreStats;
  close(): Promise<void>;
}

/** Origin of updates replayed from disk: they are not appended again. */
const LOAD = Symbol('fizz-store-load');

export async function openStore(dir: string, options: StoreOptions): Promise<Store> {
  mkdirSync(dir, { recursive: true });
  const unlock = lockDir(dir);
  try {
    return await openLocked(dir, options, unlock);
  } catch (err) {
    unlock();
    throw err;
  }
}

async function openLocked(dir: string, options: StoreOptions, unlock: () => void): Promise<Store> {
  const logPath = join(dir, 'state.log');
  const snapPath = join(dir, 'state.snap');
  const fsync = options.fsync !== false;
  const compactBytes = options.compactBytes ?? 4 * 1024 * 1024;
  const compactRecords = options.compactRecords ?? 10_000;
  const compactOnRemovalBytes = options.compactOnRemovalBytes ?? 64 * 1024;
  const problems: StoreProblem[] = [];
  const report = (p: StoreProblem) => {
    problems.push(p);
    options.logger?.warn({ ...p }, `state store: ${p.message}`);
    options.onProblem?.(p);
  };

  let listenerErrors = 0;
  const listenerFailed = (err: unknown, change: StateChange) => {
    listenerErrors++;
    try {
      if (options.onListenerError) {
        options.onListenerError(err, change);
        return;
      }
    } catch (handlerErr) {
      options.logger?.warn(
        { err: String(handlerErr), cause: String(err), change },
        'state store: onListenerError threw',
      );
      return;
    }
    options.logger?.warn({ err: String(err), change }, 'state store: a change listener threw');
  };
  const state = new ClusterState({
    nodeId: options.nodeId,
    clock: options.clock,
    onListenerError: listenerFailed,
  });
  rmSync(`${snapPath}.tmp`, { force: true });

  let snapshotBytes = 0;
  if (existsSync(snapPath)) {
    const bytes = readFileSync(snapPath);
    snapshotBytes = bytes.length;
    const decoded = hasMagic(bytes, SNAPSHOT_MAGIC) ? decodeFrames(bytes, SNAPSHOT_MAGIC.length) : null;
    const payload =
      decoded && !decoded.problem && decoded.records.length === 1 ? decoded.records[0]!.payload : null;
    let applied = false;
    if (payload) {
      try {
        state.applyUpdate(payload, LOAD, true);
        applied = true;
      } catch {
        // reported below
      }
    }
    if (!applied) {
      // Kept aside, never overwritten; the state opens without it and is not to be trusted.
      const aside = moveAside(snapPath);
      snapshotBytes = 0;
      report({
        kind: 'bad-snapshot',
        file: snapPath,
        offset: 0,
        droppedBytes: bytes.length,
        message: `${snapPath} is not a valid snapshot (${bytes.length} bytes): everything compacted into it is lost; moved to ${aside}`,
      });
    }
  }

  let logBytes = LOG_MAGIC.length;
  let logRecords = 0;
  if (existsSync(logPath)) {
    const bytes = readFileSync(logPath);
    if (!hasMagic(bytes, LOG_MAGIC)) {
      if (!isTornMagic(bytes, LOG_MAGIC)) {
        const aside = moveAside(logPath);
        report({
          kind: 'bad-header',
          file: logPath,
          offset: 0,
          droppedBytes: bytes.length,
          message: `${logPath} is not a Fizz state log (bad header, ${bytes.length} bytes): moved to ${aside}, log recreated`,
        });
      } else {
        // Empty too: a log is made with its header, so an empty one lost everything it held.
        report({
          kind: 'torn-header',
          file: logPath,
          offset: 0,
          droppedBytes: bytes.length,
          message: `${logPath}: ${bytes.length === 0 ? 'empty (0 bytes): every change it held is lost' : `torn file header (${bytes.length} bytes)`}, log recreated`,
        });
      }
      writeFresh(logPath, fsync);
    } else {
      const read = readLog(bytes, (payload) => state.applyUpdate(payload, LOAD, true));
      logRecords = read.kept.length;
      logBytes = LOG_MAGIC.length + read.kept.reduce((n, r) => n + r.length, 0);
      if (read.bad.length > 0) {
        const lost = read.bad.reduce((n, b) => n + (b.end - b.offset), 0);
        const saved = saveBad(
          dir,
          read.bad.map((b) => bytes.subarray(b.offset, b.end)),
        );
        const tailOnly = read.bad.length === 1 && read.bad[0]!.end === bytes.length;
        if (tailOnly) truncateTo(logPath, read.bad[0]!.offset, fsync);
        else rewriteLog(logPath, read.kept, fsync);
        const waiting = state.hasPending()
          ? ' (those written after a lost record wait for it: a peer that has it sends it)'
          : '';
        for (const b of read.bad) {
          const after = read.kept.filter((r) => r.offset > b.offset).length;
          report({
            kind: b.kind,
            file: logPath,
            offset: b.offset,
            droppedBytes: b.end - b.offset,
            message: `${logPath}: ${b.message}; lost ${b.end - b.offset} bytes at offsets ${b.offset}-${b.end}, kept ${read.kept.length - after} valid records before and ${after} after${after > 0 ? waiting : ''} (bad bytes, ${lost} in all, saved to ${saved})`,
          });
        }
      }
    }
  } else {
    writeFresh(logPath, fsync);
  }

  // Forgotten before anything is written, so that a crash from now on leaves none behind.
  const clientPath = join(dir, 'state.client');
  const saved = readSavedClient(clientPath);
  forgetClient(clientPath, fsync);
  if (saved && !state.resumeClient(saved)) {
    options.logger?.info?.(
      { client: saved.id },
      'state store: client id not reused (its history is incomplete)',
    );
  }

  const fh: FileHandle = await open(logPath, 'a');
  let pending: Uint8Array[] = [];
  let chain: Promise<void> = Promise.resolve();
  let scheduled = false;
  let closed = false;
  let compactions = 0;
  // A new epoch (epoch.ts) makes every record before it dead weight: compact right after it.
  let loggedEpoch = state.epoch;
  let failure: unknown = null;
  // Set by a removal (local or from a peer), before its update is written.
  let removed = false;
  const offRemoved = state.on('change', (e) => {
    if (e.kind === 'project-removed') removed = true;
  });

  const unsubscribe = state.onUpdate((update, origin) => {
    if (origin === LOAD) return;
    pending.push(update);
    if (!scheduled) {
      scheduled = true;
      queueMicrotask(() => void flush().catch(() => {}));
    }
  });

  async function writePending(): Promise<void> {
    scheduled = false;
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    const bytes = encodeFrames(batch);
    await writeAll(fh, bytes);
    if (fsync) await fh.datasync();
    logBytes += bytes.length;
    logRecords += batch.length;
    const shed = removed && snapshotBytes + logBytes > compactOnRemovalBytes;
    if (logBytes >= compactBytes || logRecords >= compactRecords || state.epoch !== loggedEpoch || shed) {
      loggedEpoch = state.epoch;
      await compactNow();
    }
  }

  async function compactNow(): Promise<void> {
    // Everything in the document, including updates still pending, goes into the snapshot.
    const snapshot = state.encodeUpdate();
    pending = [];
    const framed = new Uint8Array(SNAPSHOT_MAGIC.length + 8 + snapshot.length);
    framed.set(SNAPSHOT_MAGIC, 0);
    framed.set(encodeFrame(snapshot), SNAPSHOT_MAGIC.length);
    const tmp = `${snapPath}.tmp`;
    const t = await open(tmp, 'w');
    try {
      await writeAll(t, framed);
      if (fsync) await t.datasync();
    } finally {
      await t.close();
    }
    renameSync(tmp, snapPath);
    if (fsync) syncDir(dir);
    snapshotBytes = framed.length;
    await fh.truncate(LOG_MAGIC.length);
    if (fsync) await fh.datasync();
    logBytes = LOG_MAGIC.length;
    logRecords = 0;
    removed = false;
    compactions++;
    options.logger?.info?.({ snapshotBytes }, 'state store compacted');
  }

  function enqueue(step: () => Promise<void>): Promise<void> {
    if (closed) return Promise.reject(new StoreClosedError());
    chain = chain.then(async () => {
      if (failure) throw failure;
      try {
        await step();
      } catch (err) {
        // A failed write must never be acknowledged, now or later.
        failure = err;
        options.logger?.warn(
          { err: String(err) },
          'state store write failed; no further change is acknowledged',
        );
        throw err;
      }
    });
    return chain;
  }

  function flush(): Promise<void> {
    return enqueue(writePending);
  }

  return {
    state,
    problems,
    trusted: problems.length === 0,
    flush,
    compact: () =>
      enqueue(async () => {
        await writePending();
        await compactNow();
      }),
    stats: () => ({ logBytes, logRecords, snapshotBytes, compactions, listenerErrors }),
    async close() {
      if (closed) return;
      const flushed = await flush().then(
        () => true,
        () => false,
      );
      closed = true;
      unsubscribe();
      offRemoved();
      await chain.catch(() => {});
      // Everything of this client id is in the log now; writes after close go to another.
      const client = state.releaseClient();
      if (flushed && failure === null) saveClient(clientPath, client, fsync);
      await fh.close();
      unlock();
    },
  };
}
