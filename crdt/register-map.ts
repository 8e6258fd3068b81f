/**
 * A family of last-writer-wins registers over one Y.Map (layout in lww.ts), with an index
 * from logical key to its writers' entries (and copies of them, lww.ts) by flat key, kept
 * current by observing the map. Entries
 * stamped too far ahead of the clock are kept aside until `admitDue` finds them in range.
 */
import type * as Y from 'yjs';
import { asEntry, type Entry, flatKey, inHorizon, later, SEP, splitKey, winner } from './lww.js';
import type { Stamp } from './types.js';

export class RegisterMap {
  private readonly index = new Map<string, Map<string, Entry>>();
  private highest = 0;
  /** Valid entries ignored for now, their stamp too far ahead of the clock: flat key → at. */
  private readonly ahead = new Map<string, number>();
  /** A lower bound of the stamps in `ahead` (it may be stale low: that costs one scan). */
  private aheadMin = Number.POSITIVE_INFINITY;

  constructor(
    readonly map: Y.Map<unknown>,
    /** How many parts a logical key has (a project name: 1; project and service: 2). */
    readonly arity: number,
    /** The schema of this family's entries: an entry it rejects is ignored as if absent, on
     * every replica alike, so remote garbage neither wins nor moves the stamps. */
    private readonly valid: (e: Entry, parts: readonly string[]) => boolean,
    /** This replica's clock (ms), for the horizon of lww.ts. */
    private readonly clock: () => number,
  ) {
    const now = clock();
    for (const [key, value] of map.entries()) this.reindex(key, value, now);
  }

  /** The greatest `at` seen in this map (for stamps that stay ahead of it). */
  get maxAt(): number {
    return this.highest;
  }

  /** Updates the index for the changed flat keys; returns the logical keys touched. */
  refresh(keys: Iterable<string>): string[][] {
    const touched = new Map<string, string[]>();
    const now = this.clock();
    for (const key of keys) {
      const split = this.reindex(key, this.map.get(key), now);
      if (split) touched.set(split.logical, split.parts);
    }
    return [...touched.values()];
  }

  /** Counts the entries set aside that the clock has come within range of; returns their
   * logical keys. */
  admitDue(): string[][] {
    if (this.ahead.size === 0) return [];
    const now = this.clock();
    if (!inHorizon(this.aheadMin, now)) return [];
    const due: string[] = [];
    let min = Number.POSITIVE_INFINITY;
    for (const [key, at] of this.ahead) {
      if (inHorizon(at, now)) due.push(key);
      else if (at < min) min = at;
    }
    for (const key of due) this.ahead.delete(key);
    this.aheadMin = min;
    return this.refresh(due);
  }

  entries(parts: readonly string[]): Entry[] {
    const writers = this.index.get(parts.join(SEP));
    return writers ? [...writers.values()] : [];
  }

  get(parts: readonly string[]): Entry | undefined {
    return winner(this.entries(parts));
  }

  /** Logical keys (as parts) with at least one entry. */
  keys(): string[][] {
    return [...this.index.keys()].map((k) => k.split(SEP));
  }

  /** Writes an entry: its writer's own, or a copy that `carrier` keeps of it; call inside a
   * transaction. */
  write(parts: readonly string[], entry: Entry, carrier?: string): void {
    this.map.set(flatKey(parts, entry.node, carrier), entry);
  }

  /** Deletes the entries (and copies) of a logical key that `drop` selects; call inside a
   * transaction. */
  prune(parts: readonly string[], drop: (e: Entry) => boolean): void {
    const writers = this.index.get(parts.join(SEP));
    if (!writers) return;
    for (const [key, e] of writers) if (drop(e)) this.map.delete(key);
  }

  /** After `self` wrote its own entry stamped `stamp`: deletes every other entry and copy of
   * the logical key that it dominates; call inside that transaction. */
  pruneDominated(parts: readonly string[], stamp: Stamp, self: string): void {
    const own = flatKey(parts, self);
    const writers = this.index.get(parts.join(SEP));
    if (!writers) return;
    for (const [key, e] of writers) if (key !== own && later(stamp, e)) this.map.delete(key);
  }

  /** Every valid entry and copy in the map by flat key, counted or not yet (too far ahead). */
  raw(): Map<string, { parts: string[]; entry: Entry }> {
    const out = new Map<string, { parts: string[]; entry: Entry }>();
    for (const [key, value] of this.map.entries()) {
      const split = splitKey(key, this.arity);
      const entry = split && asEntry(value, split.node);
      if (split && entry && this.valid(entry, split.parts)) out.set(key, { parts: split.parts, entry });
    }
    return out;
  }

  private reindex(key: string, value: unknown, now: number): { logical: string; parts: string[] } | null {
    const split = splitKey(key, this.arity);
    if (!split) return null;
    let writers = this.index.get(split.logical);
    let entry = value === undefined ? null : asEntry(value, split.node);
    if (entry && !this.valid(entry, split.parts)) entry = null;
    this.ahead.delete(key);
    if (entry && !inHorizon(entry.at, now)) {
      this.ahead.set(key, entry.at);
      if (entry.at < this.aheadMin) this.aheadMin = entry.at;
      entry = null;
    }
    if (entry) {
      if (!writers) {
        writers = new Map();
        this.index.set(split.logical, writers);
      }
      writers.set(key, entry);
      if (entry.at > this.highest) this.highest = entry.at;
    } else if (writers) {
      writers.delete(key);
      if (writers.size === 0) this.index.delete(split.logical);
    }
    return split;
  }
}
