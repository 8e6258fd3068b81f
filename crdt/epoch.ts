/**
 * Epoch rebase. Yjs keeps an item for every value a document ever overwrote, so its load
 * time and memory grow with its history though its registers do not. A rebase starts a
 * fresh document, epoch + 1, holding only the valid entries of the current one (each with
 * its own stamp and writer), and the other replicas adopt it. Entries merge by stamp, not
 * by Yjs history, so this changes nothing a reader sees. Nobody coordinates it:
 *
 *  - Every update and state vector carries its epoch (epoch-frame.ts). A replica that gets
 *    the whole document of a later epoch (anti-entropy sends that to a peer whose state
 *    vector is of an earlier one) adopts it, then carries over every entry of its own
 *    document that the adopted one lacks or holds older, as its own writes: changes made in
 *    the old epoch that the rebasing node had not seen are not lost. A change of a later
 *    epoch that comes without its document is left for the next anti-entropy exchange.
 *  - Rebases of one epoch made concurrently on several nodes simply merge: a node writes
 *    the entries it carries under keys of its own (lww.ts), so no two Yjs clients set one
 *    key and every copy counts by its stamp. The later epoch wins over the earlier.
 *  - After a swap the old document is kept RETAIN_PREVIOUS_MS: a change of that epoch that
 *    arrives late (sent before its writer adopted) is applied to it and what it brings is
 *    carried over. Later, such a change is ignored: its writer carries it over itself when
 *    it adopts the new epoch, as it does everything else it holds.
 *
 * The swap hands the listeners the whole new document, with origin WHOLE (not local: the
 * store logs it and compacts; gossip does not send it), then, as a local change, what was
 * carried over. Only a whole document (kind 2 in epoch-frame.ts) is adopted.
 */
import * as Y from 'yjs';
import type { ChangeFeed, Touched } from './change-feed.js';
import { DocState } from './doc-state.js';
import type { UpdateListener } from './doc-updates.js';
import { frame, MAX_EPOCH, unframe } from './epoch-frame.js';
import { UpdateDecodeError } from './errors.js';
import type { Entry } from './lww.js';
import { checkUpdate } from './update-check.js';

/** How long the document of the previous epoch is kept for late changes (10 minutes). */
export const RETAIN_PREVIOUS_MS = 10 * 60_000;

/** Origin of the whole document handed on when a rebase or an adoption made a new epoch. */
export const WHOLE = Symbol('fizz-whole-document');

export interface EpochsOptions {
  nodeId: string;
  clock: () => number;
  changes: ChangeFeed;
  listeners: ReadonlySet<UpdateListener>;
  retainMs?: number;
}

type Raw = Map<string, { parts: string[]; entry: Entry }>;

export class Epochs {
  epoch = 0;
  current: DocState;
  private previous: { epoch: number; ds: DocState; until: number } | null = null;

  constructor(private readonly o: EpochsOptions) {
    this.current = this.fresh(false);
  }

  stateVector(): Uint8Array {
    return frame(this.epoch, this.current.updates.stateVector());
  }

  /** What a replica at `sinceSv` lacks: a diff in the same epoch, the whole document for an
   * earlier one, nothing (an empty update of this epoch) for a later one. */
  encode(sinceSv?: Uint8Array): Uint8Array {
    const since = sinceSv ? unframe(sinceSv) : null;
    const docs = this.current.updates;
    if (!since || since.epoch < this.epoch) return frame(this.epoch, docs.encode(), true);
    if (since.epoch === this.epoch) return frame(this.epoch, docs.encode(since.body));
    return frame(this.epoch, Y.encodeStateAsUpdateV2(new Y.Doc()));
  }

  /** `replay`: bytes from this replica's own log, whose carried-over changes follow them. */
  apply(bytes: Uint8Array, origin: unknown, replay: boolean): void {
    const { epoch, whole, body } = unframe(bytes);
    this.expire();
    if (epoch === this.epoch) this.current.updates.apply(body, origin, replay);
    else if (epoch > this.epoch) {
      // A change without its document: the next anti-entropy exchange brings the document.
      if (whole) this.adopt(epoch, body, origin, replay);
    } else if (!replay) this.late(epoch, body, origin);
  }

  /** Starts epoch + 1 from the valid entries of this one. */
  rebase(): void {
    if (this.epoch >= MAX_EPOCH) throw new RangeError(`epoch ${this.epoch} is the last one`);
    this.expire();
    const next = this.fresh(true);
    carry(next, entries(this.current), this.o.nodeId);
    this.swap(next, this.epoch + 1);
    this.emit(Y.encodeStateAsUpdateV2(next.doc), WHOLE, false);
  }

  destroy(): void {
    this.previous?.ds.destroy();
    this.current.destroy();
  }

  private adopt(epoch: number, body: Uint8Array, origin: unknown, replay: boolean): void {
    const next = this.fresh(true);
    try {
      if (!replay) checkUpdate(body);
      Y.applyUpdateV2(next.doc, body, origin);
    } catch (cause) {
      next.destroy();
      throw new UpdateDecodeError(`update of epoch ${epoch} (${body.length} bytes) does not decode`, {
        cause,
      });
    }
    const base = Y.encodeStateVector(next.doc);
    const carried = replay ? 0 : carry(next, entries(this.current), this.o.nodeId);
    const old = this.current;
    this.swap(next, epoch);
    this.emit(Y.encodeStateAsUpdateV2(next.doc), WHOLE, false);
    if (carried > 0) this.emit(Y.encodeStateAsUpdateV2(next.doc, base), null, true);
    this.o.changes.notify(union(next.allKeys(), old.allKeys()), false);
  }

  /** A change of the previous epoch: what it brings is carried over, while that is kept. */
  private late(epoch: number, body: Uint8Array, origin: unknown): void {
    const prev = this.previous;
    if (!prev || prev.epoch !== epoch) return;
    const before = entries(prev.ds);
    try {
      checkUpdate(body);
      Y.applyUpdateV2(prev.ds.doc, body, origin);
    } catch (cause) {
      throw new UpdateDecodeError(`update of epoch ${epoch} (${body.length} bytes) does not decode`, {
        cause,
      });
    }
    const news = entries(prev.ds).map((raw, i) => {
      const changed: Raw = new Map();
      for (const [key, r] of raw) if (before[i]!.get(key)?.entry.at !== r.entry.at) changed.set(key, r);
      return changed;
    });
    carry(this.current, news, this.o.nodeId);
  }

  private swap(next: DocState, epoch: number): void {
    const old = this.current;
    old.retire();
    this.previous?.ds.destroy();
    const until = this.o.clock() + (this.o.retainMs ?? RETAIN_PREVIOUS_MS);
    this.previous = { epoch: this.epoch, ds: old, until };
    this.current = next;
    this.epoch = epoch;
    next.speak();
  }

  private expire(): void {
    if (this.previous && !(this.o.clock() < this.previous.until)) {
      this.previous.ds.destroy();
      this.previous = null;
    }
  }

  private fresh(quiet: boolean): DocState {
    return new DocState(this.o.clock, this.o.changes, this.o.listeners, quiet);
  }

  private emit(body: Uint8Array, origin: unknown, local: boolean): void {
    for (const l of [...this.o.listeners]) l(body, origin, local);
  }
}

/** The valid entries of each family of `ds`, by flat key. */
function entries(ds: DocState): Raw[] {
  return ds.families.map(({ reg }) => reg.raw());
}

/**
 * Writes into `into`, as `self`'s copies, the latest entry of each writer and logical key in
 * `from` (by family) that `into` lacks or holds older; returns how many it wrote.
 */
function carry(into: DocState, from: Raw[], self: string): number {
  let n = 0;
  into.doc.transact(() => {
    into.families.forEach(({ reg }, i) => {
      const have = new Map<string, number>();
      for (const { parts, entry } of reg.raw().values()) {
        const k = writerKey(parts, entry);
        have.set(k, Math.max(have.get(k) ?? Number.NEGATIVE_INFINITY, entry.at));
      }
      const want = new Map<string, { parts: string[]; entry: Entry }>();
      for (const r of from[i]!.values()) {
        const k = writerKey(r.parts, r.entry);
        if (!(r.entry.at <= (want.get(k)?.entry.at ?? Number.NEGATIVE_INFINITY))) want.set(k, r);
      }
      for (const [k, { parts, entry }] of want) {
        if (entry.at <= (have.get(k) ?? Number.NEGATIVE_INFINITY)) continue;
        reg.write(parts, structuredClone(entry), self);
        n++;
      }
    });
  });
  return n;
}

function writerKey(parts: readonly string[], entry: Entry): string {
  return [...parts, entry.node].join('\u0000');
}

/** The logical keys of `a` and `b`, each once, by family (with the changes `a` makes). */
function union(a: Touched[], b: Touched[]): Touched[] {
  return a.map(({ toChange, touched }, i) => {
    const all = new Map<string, string[]>();
    for (const parts of [...touched, ...b[i]!.touched]) all.set(parts.join('\u0000'), parts);
    return { toChange, touched: [...all.values()] };
  });
}
