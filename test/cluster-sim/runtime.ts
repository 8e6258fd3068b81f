/**
 * The containers of a simulated cluster, as slot numbers: per node, the slots it runs and
 * the ones it is starting (a start takes a fixed number of ticks); for the cluster, how
 * many live nodes run each slot, so the missing and surplus replicas are known at once.
 */

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
  readonly running = new Set<number>();
  /** slot → the tick its start finishes */
  readonly starting = new Map<number, number>();

  constructor(
    readonly index: number,
    private readonly tally: Tally,
  ) {}

  /** Makes the node run `owned`: stops the rest at once, starts what is missing (ready at `readyTick`). */
  converge(owned: number[], readyTick: number, queue: StartQueue): void {
    const want = new Set(owned);
    for (const s of this.running)
      if (!want.has(s)) {
        this.running.delete(s);
        this.tally.down(s);
        this.tally.stops++;
      }
    for (const s of this.starting.keys()) if (!want.has(s)) this.starting.delete(s);
    for (const s of want)
      if (!this.running.has(s) && !this.starting.has(s)) {
        this.starting.set(s, readyTick);
        queue.push(readyTick, this.index, s);
      }
  }

  /** Runs `slot` now if its start, due at `tick`, was not called off meanwhile. */
  finishStart(slot: number, tick: number): void {
    if (this.starting.get(slot) !== tick) return;
    this.starting.delete(slot);
    this.running.add(slot);
    this.tally.up(slot);
    this.tally.starts++;
  }

  /** Runs `owned` at once (the steady state before the simulation starts). */
  runNow(owned: number[]): void {
    for (const s of owned) {
      this.running.add(s);
      this.tally.up(s);
    }
  }

  /** kill -9 of the machine: everything stops at once. */
  die(): void {
    for (const s of this.running) this.tally.down(s);
    this.running.clear();
    this.starting.clear();
  }
}
