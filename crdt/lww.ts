/**
 * Last-writer-wins registers laid out flat in one Y.Map so that concurrent writers never
 * overwrite each other's Yjs items: each writer owns the key `<logical parts…>\0<nodeId>`,
 * and a reader picks the greatest stamp among the writers of a logical key. (Nested Y.Maps
 * would lose writes when two replicas create the same nested map concurrently.)
 *
 * Every value is checked on read: a remote replica's garbage is ignored, never trusted.
 */
import type { Stamp } from './types.js';

export const SEP = '\u0000';

/**
 * The largest stamp time accepted (2^52 ms, ~140,000 years). Past it `at + 1 === at` would
 * stop the stamps of later writes from growing, so a remote entry with a huge `at` could
 * never be overwritten; such an entry is ignored like any other malformed value.
 */
export const MAX_AT = 2 ** 52;

/** Is `a` later than `b` in the total (at, node) order? */
export function later(a: Stamp, b: Stamp): boolean {
  return a.at > b.at || (a.at === b.at && a.node > b.node);
}

export function maxStamp(a: Stamp | undefined, b: Stamp | undefined): Stamp | undefined {
  if (!a) return b;
  if (!b) return a;
  return later(a, b) ? a : b;
}

export function flatKey(parts: readonly string[], node: string): string {
  return [...parts, node].join(SEP);
}

/** Splits a flat key into its logical key and its writer; null when malformed. */
export function splitKey(
  key: string,
  arity: number,
): { logical: string; parts: string[]; node: string } | null {
  const parts = key.split(SEP);
  if (parts.length !== arity + 1 || parts.some((p) => p.length === 0)) return null;
  const node = parts.pop()!;
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
