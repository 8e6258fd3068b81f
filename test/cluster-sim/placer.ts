/**
 * Placement for many simulated nodes at once. Each node hands in its member view as one
 * code per member; nodes with the same view share one placement. A view is coded
 * 0 (not listed), 1 (listed, dead or left) or 2 (alive or suspect): `place` treats a
 * suspect as alive and a left member as dead (tested in test/placement/), so views
 * that differ only there share a result. In the two-pass mode the homes (pass 1, which
 * depends only on who is listed) are kept too, so a change of statuses costs pass 2 only.
 */
import { type Homes, place, placeHomes, placeOver } from '../../src/placement/place.js';
import type { PlacementMember, PlacementSlot } from '../../src/placement/types.js';

export const NOT_LISTED = 0;
export const LISTED = 1;
export const ELIGIBLE = 2;

/**
 * 'two-pass': `place` as it is (a dead member keeps its seat until it is reaped).
 * 'live-only': `place` over the alive and suspect members only, as if the dead were
 * already reaped: the former single pass, kept to compare.
 */
export type PlacementMode = 'two-pass' | 'live-only';

interface Entry {
  /** Per slot: the index of the node that runs it, or -1. */
  owner: Int32Array;
  refs: number;
}

/** Homes kept for the most recent listed sets (while members are reaped, views differ a few at a time). */
const HOMES_KEPT = 4;

export class ViewPlacer {
  private readonly views = new Map<string, Entry>();
  private readonly homes = new Map<string, Homes>();
  private readonly slotIndex: Map<string, number>;
  private readonly nodeIndex: Map<string, number>;
  /** Placements computed, and views served from one already computed. */
  computed = 0;
  shared = 0;
  /** Milliseconds spent in `place` (wall clock, for the report only). */
  placeMs = 0;

  constructor(
    private readonly slots: PlacementSlot[],
    private readonly names: string[],
    private readonly mode: PlacementMode,
  ) {
    this.slotIndex = new Map(slots.map((s, i) => [`${s.project}/${s.service}/${s.replica}`, i]));
    this.nodeIndex = new Map(names.map((n, i) => [n, i]));
  }

  static key(codes: Uint8Array): string {
    return Buffer.from(codes.buffer, codes.byteOffset, codes.length).toString('latin1');
  }

  /** The owners of every slot under the view `codes` (its key is `key`); release it when done. */
  acquire(key: string, codes: Uint8Array): Int32Array {
    let e = this.views.get(key);
    if (e) this.shared++;
    else {
      e = { owner: this.compute(codes), refs: 0 };
      this.views.set(key, e);
      this.computed++;
    }
    e.refs++;
    return e.owner;
  }

  release(key: string): void {
    const e = this.views.get(key);
    if (e && --e.refs === 0) this.views.delete(key);
  }

  private compute(codes: Uint8Array): Int32Array {
    const members: PlacementMember[] = [];
    codes.forEach((c, i) => {
      if (c === NOT_LISTED || (c === LISTED && this.mode === 'live-only')) return;
      const name = this.names[i]!;
      members.push({ id: name, name, status: c === ELIGIBLE ? 'alive' : 'dead', labels: {} });
    });
    const started = performance.now();
    let result: ReturnType<typeof place>;
    if (this.mode === 'live-only') result = place(this.slots, members);
    else {
      const listed = ViewPlacer.key(codes.map((c) => (c === NOT_LISTED ? 0 : 1)));
      let homes = this.homes.get(listed);
      if (!homes) {
        homes = placeHomes(this.slots, members);
        this.homes.set(listed, homes);
        if (this.homes.size > HOMES_KEPT) this.homes.delete(this.homes.keys().next().value!);
      }
      result = placeOver(homes, members);
    }
    this.placeMs += performance.now() - started;
    const owner = new Int32Array(this.slots.length).fill(-1);
    for (const [slot, node] of result.assignment)
      owner[this.slotIndex.get(slot)!] = this.nodeIndex.get(node)!;
    return owner;
  }
}
