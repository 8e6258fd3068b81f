/**
 * The Yjs client id a store hands on from one process to the next (`state.client`).
 *
 * Every Yjs client id that ever wrote stays in the document's state vector, so a new id per
 * start grew a node's state vector by ~6 bytes a restart (1,188 bytes after 200). Reusing
 * an id is safe only when the new process holds the id's whole history: items it makes next
 * are numbered from the id's clock in its own document, and a peer that already holds items
 * with those numbers (sent before a crash, never logged) would drop the new ones as
 * duplicates. So the file is written only by a clean close, after the last update is in the
 * log, holding the id and its clock; it is deleted (durably) when a store opens, before any
 * write; and it is used only when the reopened document holds exactly that clock for that
 * id. A crash, a damaged or lost log, a copy of a running node's directory: a new id.
 * Left open: restoring a backup of a stopped node while the cluster has writes of its id
 * made after the backup (as running two copies of one node, which its node identity forbids
 * already). Yjs itself takes a new id when an update brings items of its current id that it
 * lacks, so that only bites a write made before the first sync.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { syncDir } from './store-files.js';

export interface SavedClient {
  /** A Yjs client id (uint32). */
  id: number;
  /** How many items the id had made: the clock of its next item. */
  clock: number;
}

const FORMAT = /^fizz-client\/1 (\d{1,10}) (\d{1,15})\n$/;

/** The saved client, or null when there is none or the file is not one. */
export function readSavedClient(path: string): SavedClient | null {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch {
    return null;
  }
  const m = FORMAT.exec(text);
  if (!m) return null;
  const id = Number(m[1]);
  const clock = Number(m[2]);
  return id <= 0xffff_ffff && Number.isSafeInteger(clock) ? { id, clock } : null;
}

export function saveClient(path: string, client: SavedClient, fsync: boolean): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, `fizz-client/1 ${client.id} ${client.clock}\n`);
    if (fsync) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  if (fsync) syncDir(dirname(path));
}

/** Deletes the saved client, durably, so that a crash from now on leaves none. */
export function forgetClient(path: string, fsync: boolean): void {
  if (!existsSync(path)) return;
  rmSync(path, { force: true });
  if (fsync) syncDir(dirname(path));
}
