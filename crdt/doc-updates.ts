/**
 * Bytes in, bytes out of one Y.Doc, in Yjs's update format v2: the state vector, the update
 * a replica lacks, applying an update, and the listeners that receive every change's bytes
 * (what gossip sends and the store logs). Knows nothing of the registers on the document.
 *
 * Yjs encodes every transaction again for its `updateV2` listeners. The update of a
 * transaction applied from bytes is those bytes, so `apply` hands them on instead and Yjs is
 * kept from encoding it: the listener is taken off once that transaction is cleaned up, and
 * put back before the next one (local writes made by change listeners during the apply) is
 * encoded.
 */
import * as Y from 'yjs';
import { ListenerError, UpdateDecodeError } from './errors.js';
import { checkUpdate } from './update-check.js';

export type UpdateListener = (update: Uint8Array, origin: unknown, local: boolean) => void;

export class DocUpdates {
  /** Whether Yjs encodes transactions for `updateV2` (see the header). */
  private encoding = false;
  /** Set while `apply` runs: what its own (remote) transaction did. */
  private applied: { changed: boolean; tr: Y.Transaction | null } | null = null;

  constructor(
    private readonly doc: Y.Doc,
    /** The listeners, owned by the caller (they outlive one document); call
     * `listenersChanged` after changing them. */
    private readonly listeners: ReadonlySet<UpdateListener>,
    /** While muted, nothing is handed on (a document built, or kept, aside; epoch.ts). */
    private muted = false,
  ) {
    doc.on('afterTransactionCleanup', (tr: Y.Transaction) => {
      if (tr.local || !this.applied || this.applied.tr !== null) return;
      this.applied.tr = tr;
      this.applied.changed = hasContent(tr);
      this.setEncoding(false);
    });
    doc.on('beforeObserverCalls', () => this.setEncoding(true));
    doc.on('afterAllTransactions', () => this.setEncoding(true));
  }

  stateVector(): Uint8Array {
    return Y.encodeStateVector(this.doc);
  }

  /** Everything this replica has that a replica at `sinceSv` lacks (all of it without one). */
  encode(sinceSv?: Uint8Array): Uint8Array {
    try {
      return Y.encodeStateAsUpdateV2(this.doc, sinceSv);
    } catch (cause) {
      throw new UpdateDecodeError('state vector does not decode', { cause });
    }
  }

  /** Applies a remote (or stored) update; `origin` tags it so it is not re-broadcast.
   * Listeners get `bytes` themselves when they changed something (or left parts waiting for
   * a missing dependency: those must reach the log too, since the update that later
   * completes them carries only its own bytes). `checked`: the bytes were decoded before
   * (the store's own CRC-checked log), so the first full decode is skipped. */
  apply(bytes: Uint8Array, origin: unknown, checked: boolean): void {
    const outer = this.applied;
    const applied: { changed: boolean; tr: Y.Transaction | null } = { changed: false, tr: null };
    this.applied = applied;
    let failure: unknown = null;
    try {
      // Decoded whole first: Yjs integrates the structs of an update before it reads the
      // rest, so bytes broken further on would otherwise change part of the document before
      // failing (34 of the 35 such single-byte mutations in update-bytes.test.ts fail here).
      if (!checked) checkUpdate(bytes);
      Y.applyUpdateV2(this.doc, bytes, origin);
    } catch (cause) {
      failure = cause;
    } finally {
      this.applied = outer;
      this.setEncoding(true);
    }
    if (failure === null) {
      const pending = this.doc.store.pendingStructs !== null || this.doc.store.pendingDs !== null;
      // A copy: the caller's buffer (a network frame) may be reused once we return.
      if (applied.changed || pending) this.emit(bytes.slice(), origin, false);
      return;
    }
    // After a failed apply (bytes that do not decode, or a change listener that threw —
    // which may hide a decode error) nothing is handed on. What such bytes changed before
    // failing stays in memory only: Yjs's own encoding of it can fail to decode again (the
    // fuzz test in update-bytes.test.ts finds such bytes), and a log record that does not
    // decode would cut the log on reopen, with every acknowledged change after it.
    if (failure instanceof ListenerError) throw failure;
    throw new UpdateDecodeError(`update of ${bytes.length} bytes does not decode`, { cause: failure });
  }

  static merge(updates: Uint8Array[]): Uint8Array {
    try {
      return Y.mergeUpdatesV2(updates);
    } catch (cause) {
      throw new UpdateDecodeError('updates do not merge', { cause });
    }
  }

  /** Has Yjs encode transactions for the listeners while there are any. */
  listenersChanged(): void {
    this.setEncoding(true);
  }

  mute(): void {
    this.muted = true;
    this.setEncoding(false);
  }

  unmute(): void {
    this.muted = false;
    this.setEncoding(true);
  }

  private readonly onDocUpdate = (update: Uint8Array, origin: unknown, _doc: Y.Doc, tr: Y.Transaction) =>
    this.emit(update, origin, tr.local);

  private emit(update: Uint8Array, origin: unknown, local: boolean): void {
    for (const l of [...this.listeners]) l(update, origin, local);
  }

  /** Yjs encodes a transaction for `updateV2` only when that event has a listener. */
  private setEncoding(on: boolean): void {
    const want = on && !this.muted && this.listeners.size > 0;
    if (want === this.encoding) return;
    this.encoding = want;
    if (want) this.doc.on('updateV2', this.onDocUpdate);
    else this.doc.off('updateV2', this.onDocUpdate);
  }
}

/** As Yjs decides whether a transaction has an update to emit. */
function hasContent(tr: Y.Transaction): boolean {
  if (tr.deleteSet.clients.size > 0) return true;
  for (const [client, clock] of tr.afterState) if (tr.beforeState.get(client) !== clock) return true;
  return false;
}
