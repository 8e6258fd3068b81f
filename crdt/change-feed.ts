/**
 * The `change` events of a ClusterState: one per logical key that a transaction touched (or
 * that came within the clock's horizon, lww.ts), with `local` true for this replica's own
 * writes. A throwing listener must not starve the others of the change, nor make a good
 * remote update look like one that does not decode: its error goes to `onListenerError`, or
 * the first one is thrown as a ListenerError after every listener ran.
 */
import { ListenerError } from './errors.js';
import type { StateChange } from './types.js';

export type ChangeListener = (e: StateChange) => void;

/** The change a touched logical key (as parts) makes. */
export type ToChange = (parts: string[], local: boolean) => StateChange;

/** Logical keys of one register family, touched together. */
export interface Touched {
  toChange: ToChange;
  touched: string[][];
}

export class ChangeFeed {
  private readonly listeners = new Set<ChangeListener>();

  constructor(private readonly onListenerError?: (err: unknown, change: StateChange) => void) {}

  add(cb: ChangeListener): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  remove(cb: ChangeListener): void {
    this.listeners.delete(cb);
  }

  clear(): void {
    this.listeners.clear();
  }

  notify(batches: readonly Touched[], local: boolean): void {
    if (this.listeners.size === 0) return;
    let failed: { err: unknown; change: StateChange } | undefined;
    for (const { toChange, touched } of batches) {
      for (const parts of touched) {
        const change = toChange(parts, local);
        for (const l of [...this.listeners]) {
          try {
            l(change);
          } catch (err) {
            if (this.onListenerError) this.onListenerError(err, change);
            else failed ??= { err, change };
          }
        }
      }
    }
    if (failed) {
      throw new ListenerError(`a change listener threw on ${failed.change.kind}: ${String(failed.err)}`, {
        cause: failed.err,
      });
    }
  }
}
