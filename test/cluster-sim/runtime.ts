/**
 * The containers of a simulated cluster, as slot numbers: per node, the slots it runs and
 * the ones it is starting (a start takes a fixed number of ticks); for the cluster, how
 * many live nodes run each slot, so the missing and surplus replicas are known at once.
 *
 * A node that loses a slot stops it at once ('stop-first'), or ('make-before-break', the
 * design's rule for moves nobody forced) keeps it until it sees the new owner it places
 * the slot on run it: `statusDelay` ticks after that start (the status entry's trip
 * through the CRDT).
 */
export type Handoff = 'stop-first' | 'make-before-break';

/** How many live nodes run each slot. */
export class Tally {
  readonly count: Int32Array;
  /** Slots that run nowhere. */
  missing: number;
  /** Replicas beyond the first of each slot: Σ max(0, count − 1). */
  surplus = 0;
  starts = 0;
  stops = 0;

  constructor(slots: number) {
    this.count = new Int32Array(slots);
    this.missing = slots;
  }

  up(slot: number): void {
    const c = this.count[slot]!++;
    if (c === 0) this.missing--;
    else this.surplus++;
  }

  down(slot: number): void {
    const c = --this.count[slot]!;
    if (c === 0) this.missing++;
    else this.surplus--;
  }

  get exactlyOnce(): boolean {
    return this.missing === 0 && this.surplus === 0;
  }
}

/** Starts that finish at a tick, as (node, slot) pairs. */
export class StartQueue {
  private readonly due = new Map<number, number[]>();

  push(tick: number, node: number, slot: number): void {
    const list = this.due.get(tick);
    if (list) list.push(node, slot);
    else this.due.set(tick, [node, slot]);
  }

  /** The pairs due at `tick`, flattened [node, slot, node, slot, …]; forgets them. */
  take(tick: number): number[] {
    const list = this.due.get(tick) ?? [];
    this.due.delete(tick);
    return list;
  }
}

/** One node's containers. */
export class NodeRuntime {
  /** slot → the tick it started running */
  readonly running = new Map<number, number>();
  /** slot → the tick its start finishes */
  readonly starting = new Map<number, number>();
  /** Slots it runs but no longer owns (make-before-break): slot → the node it waits for. */
  readonly handingOff = new Map<number, number>();

  constructor(
    readonly index: number,
    private readonly tally: Tally,
    private readonly handoff: Handoff = 'stop-first',
    private readonly statusDelay = 0,
  ) {}

  /**
   * Makes the node run `owned` (`owner`: every slot's node in this node's view): stops or
   * hands off the rest, starts what is missing (ready at `readyTick`).
   */
  converge(owned: number[], owner: Int32Array, readyTick: number, queue: StartQueue): void {
    const want = new Set(owned);
    for (const s of this.running.keys()) {
      if (want.has(s)) this.handingOff.delete(s);
      else if (this.handoff === 'make-before-break' && owner[s]! >= 0) this.handingOff.set(s, owner[s]!);
      else this.stop(s);
    }
    for (const s of this.starting.keys()) if (!want.has(s)) this.starting.delete(s);
    for (const s of want)
      if (!this.running.has(s) && !this.starting.has(s)) {
        this.starting.set(s, readyTick);
        queue.push(readyTick, this.index, s);
      }
  }

  private stop(s: number): void {
    this.running.delete(s);
    this.handingOff.delete(s);
    this.tally.down(s);
    this.tally.stops++;
  }

  /** Stops the slots handed off that it sees run by their new owner at `tick`; true while some remain. */
  settleHandoffs(runtimes: NodeRuntime[], tick: number): boolean {
    for (const [s, to] of this.handingOff) {
      const since = runtimes[to]!.running.get(s);
      if (since !== undefined && since + this.statusDelay <= tick) this.stop(s);
    }
    return this.handingOff.size > 0;
  }

  /** Runs `slot` now if its start, due at `tick`, was not called off meanwhile. */
  finishStart(slot: number, tick: number): void {
    if (this.starting.get(slot) !== tick) return;
    this.starting.delete(slot);
    this.running.set(slot, tick);
    this.tally.up(slot);
    this.tally.starts++;
  }

  /** Runs `owned` at once (the steady state before the simulation starts). */
  runNow(owned: number[]): void {
    for (const s of owned) {
      this.running.set(s, 0);
      this.tally.up(s);
    }
  }

  /** kill -9 of the machine: everything stops at once. */
  die(): void {
    for (const s of this.running.keys()) this.tally.down(s);
    this.running.clear();
    this.starting.clear();
    this.handingOff.clear();
  }
}
