/**
 * The piggyback queue (memberlist's TransmitLimitedQueue). Every membership update is
 * encoded once and queued under the member it is about; a newer update about the same
 * member replaces the older one. Each packet carries as many updates as fit, least-sent
 * first and, among equals, newest first; an update is dropped after it has been sent
 * `limit` times (λ · ⌈log10(N + 1)⌉, see config.ts).
 */
interface Broadcast {
  key: string;
  bytes: Uint8Array;
  transmits: number;
  id: number;
}

/** true when a comes before b: fewer transmits, then newer. */
function before(a: Broadcast, b: Broadcast): boolean {
  return a.transmits < b.transmits || (a.transmits === b.transmits && a.id > b.id);
}

export class BroadcastQueue {
  private items: Broadcast[] = [];
  private readonly byKey = new Map<string, Broadcast>();
  private nextId = 0;

  get length(): number {
    return this.items.length;
  }

  /** Queues an encoded update about `key`, replacing any older update about it. */
  queue(key: string, bytes: Uint8Array): void {
    const old = this.byKey.get(key);
    if (old !== undefined) this.items.splice(this.items.indexOf(old), 1);
    const b: Broadcast = { key, bytes, transmits: 0, id: this.nextId++ };
    this.byKey.set(key, b);
    this.items.unshift(b);
  }

  /**
   * Picks updates whose sizes plus `overhead` each fit into `space` bytes, appends them to
   * `out`, counts one transmission for each, and drops those that reached `limit`.
   */
  take(out: Uint8Array[], space: number, overhead: number, limit: number): void {
    const items = this.items;
    if (items.length === 0) return;
    let picked: Broadcast[] | null = null;
    for (let i = 0; i < items.length && space > overhead; i++) {
      const b = items[i]!;
      const size = b.bytes.length + overhead;
      if (size > space) continue;
      space -= size;
      out.push(b.bytes);
      if (picked === null) picked = [];
      picked.push(b);
    }
    if (picked === null) return;
    const keep = new Set(picked);
    this.items = items.filter((b) => !keep.has(b));
    for (const b of picked) {
      b.transmits++;
      if (b.transmits >= limit) {
        this.byKey.delete(b.key);
        continue;
      }
      this.insert(b);
    }
  }

  private insert(b: Broadcast): void {
    const items = this.items;
    let lo = 0;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(items[mid]!, b)) lo = mid + 1;
      else hi = mid;
    }
    items.splice(lo, 0, b);
  }

  /** Drops the update queued about `key`, if any (its member was reaped). */
  remove(key: string): void {
    const b = this.byKey.get(key);
    if (b === undefined) return;
    this.byKey.delete(key);
    this.items.splice(this.items.indexOf(b), 1);
  }

  /** Drops everything (used when a node leaves or resets). */
  reset(): void {
    this.items = [];
    this.byKey.clear();
  }
}
