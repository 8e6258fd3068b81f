/**
 * Last-writer-wins registers laid out flat in one Y.Map so that concurrent writers never
 * overwrite each other's Yjs items: each writer owns the key `<logical parts…>\0<nodeId>`,
 * and a reader picks the greatest stamp among the writers of a logical key. (Nested Y.Maps
 * would lose writes when two replicas create the same nested map concurrently.)
 *
 * A node that carries another writer's entry into a new document (an epoch rebase,
 * epoch.ts) writes it under `<logical parts…>\0<writer>\0<carrier>`: a copy that counts as
 * the writer's entry. So no two Yjs clients ever set one key, which Yjs would settle by
 * client id, not by stamp, and a newer entry could be hidden by an older copy.
 *
 * Every value is checked on read: a remote replica's garbage is ignored, never trusted.
 *
 * Stamps from the future. A stamp only grows (a write is stamped past every stamp its
 * replica has seen), so one far-future entry would drag every later stamp after it, and one
 * near the top of the number range would freeze its register: past 2^52 `at + 1` stops
 * growing, and a write stamped past MAX_AT is itself invalid, yet deletes the entries it
 * dominates. Two rules close that:
 *  - an entry stamped more than MAX_AHEAD_MS (a day) ahead of this replica's clock is ignored
 *    (it neither wins nor moves the stamps) until the clock is within MAX_AHEAD_MS of it; it
 *    stays in the document, and a write or an update applied after that point counts it (on
 *    every replica alike, give or take their clocks' skew). A peer whose clock ran days ahead
 *    is heard once real time catches up with its stamps; a stamp past MAX_AT, never;
 *  - a local write whose stamp would pass MAX_AT or run more than MAX_AHEAD_MS ahead of the
 *    clock (a clock gone wrong) fails with StampRangeError before it changes anything.
 */
import type { Stamp } from './types.js';

export const SEP = '\u0000';

/**
 * The largest stamp time accepted anywhere (2^52 ms, ~140,000 years), whatever the clock
 * says: an entry past it is malformed and ignored like any other garbage.
 */
export const MAX_AT = 2 ** 52;

/** How far ahead of this replica's clock an entry's stamp may be and still count (a day). */
export const MAX_AHEAD_MS = 86_400_000;

/** Whether an entry stamped `at` counts now, for a replica whose clock reads `now`. */
export function inHorizon(at: number, now: number): boolean {
  return at <= now + MAX_AHEAD_MS;
}

/** Is `a` later than `b` in the total (at, node) order? */
export function later(a: Stamp, b: Stamp): boolean {
  return a.at > b.at || (a.at === b.at && a.node > b.node);
}

export function maxStamp(a: Stamp | undefined, b: Stamp | undefined): Stamp | undefined {
  if (!a) return b;
  if (!b) return a;
  return later(a, b) ? a : b;
}

/** The key of `node`'s entry, or of a copy of it that `carrier` wrote. */
export function flatKey(parts: readonly string[], node: string, carrier?: string): string {
  return (carrier && carrier !== node ? [...parts, node, carrier] : [...parts, node]).join(SEP);
}

/** Splits a flat key into its logical key and its writer (and the carrier of a copy); null
 * when malformed. */
export function splitKey(
  key: string,
  arity: number,
): { logical: string; parts: string[]; node: string } | null {
  const parts = key.split(SEP);
  if (parts.length !== arity + 1 && parts.length !== arity + 2) return null;
  if (parts.some((p) => p.length === 0)) return null;
  const carrier = parts.length === arity + 2 ? parts.pop()! : undefined;
  const node = parts.pop()!;
  if (carrier === node) return null;
  return { logical: parts.join(SEP), parts, node };
}

/** A stored register entry: its stamp and a payload checked by the caller. */
export interface Entry {
  at: number;
  node: string;
  [field: string]: unknown;
}

export function asEntry(value: unknown, node: string): Entry | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  const v = value as Record<string, unknown>;
  if (typeof v.at !== 'number' || !(Math.abs(v.at) <= MAX_AT) || v.node !== node) return null;
  return v as Entry;
}

/** The winning entry among the writers of one logical key. */
export function winner(entries: Iterable<Entry>): Entry | undefined {
  let best: Entry | undefined;
  for (const e of entries) if (!best || later(e, best)) best = e;
  return best;
}
