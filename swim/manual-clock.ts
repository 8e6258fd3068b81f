import type { Clock, Timer } from './clock.js';

/**
 * Something that may hold back a timer when it is due (a stalled simulated node).
 * Returns true when it took the entry and will run it later itself.
 */
export interface TimerGate {
  hold(entry: TimerEntry): boolean;
}

/** One scheduled callback; also its own cancel handle. */
export class TimerEntry implements Timer {
  constructor(
    public at: number,
    public seq: number,
    public fn: ((arg: never) => void) | null,
    public arg: unknown,
    public gate: TimerGate | null,
  ) {}

  cancel(): void {
    this.fn = null;
    this.arg = null;
  }

  /** Runs the callback now (used by gates that release held entries). */
  run(): void {
    const fn = this.fn as ((arg: unknown) => void) | null;
    if (fn === null) return;
    this.fn = null;
    fn(this.arg);
  }
}

/**
 * Simulated time: a binary min-heap of timers ordered by (time, insertion order), so
 * equal-time timers fire in the order they were set and a run replays exactly.
 */
export class ManualClock implements Clock {
  private time: number;
  private seq = 0;
  private readonly heap: TimerEntry[] = [];

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  /** Timers still queued (cancelled ones included until they surface). */
  get pending(): number {
    return this.heap.length;
  }

  schedule<T>(delayMs: number, fn: (arg: T) => void, arg: T): Timer {
    return this.scheduleGated(delayMs, fn, arg, null);
  }

  scheduleGated<T>(delayMs: number, fn: (arg: T) => void, arg: T, gate: TimerGate | null): TimerEntry {
    const entry = new TimerEntry(this.time + Math.max(0, delayMs), this.seq++, fn as never, arg, gate);
    this.push(entry);
    return entry;
  }

  /** Runs every timer due up to and including `until`, then sets the time to `until`. */
  runUntil(until: number): void {
    const heap = this.heap;
    while (heap.length > 0 && heap[0]!.at <= until) {
      const entry = this.pop();
      if (entry.fn === null) continue;
      if (entry.at > this.time) this.time = entry.at;
      if (entry.gate?.hold(entry)) continue;
      entry.run();
    }
    if (until > this.time) this.time = until;
  }

  advance(ms: number): void {
    this.runUntil(this.time + ms);
  }

  private push(entry: TimerEntry): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(entry);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (p.at < entry.at || (p.at === entry.at && p.seq < entry.seq)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = entry;
  }

  private pop(): TimerEntry {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    const n = heap.length;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      let child = heap[l]!;
      if (r < n) {
        const rc = heap[r]!;
        if (rc.at < child.at || (rc.at === child.at && rc.seq < child.seq)) {
          c = r;
          child = rc;
        }
      }
      if (last.at < child.at || (last.at === child.at && last.seq < child.seq)) break;
      heap[i] = child;
      i = c;
    }
    heap[i] = last;
    return top;
  }
}
