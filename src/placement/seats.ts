/**
 * One pass of placement over a fixed list of nodes: their rendezvous hashes, load bounds
 * and running loads, and the choice of the best node for one slot (steps 3–5 of
 * `place`). Both of `place`'s passes (over every listed member, then over the eligible
 * ones) use it.
 */
import { type Constraint, ConstraintSyntaxError, parseConstraint, satisfies } from './constraints.js';
import { hashString, nodeSalt, pairHash, unit } from './hash.js';
import type { PlacementMember, PlacementSlot, Resources } from './types.js';

export function capacityOf(m: PlacementMember): number {
  const c = m.capacity ?? 1;
  return Number.isFinite(c) && c > 0 ? c : 0;
}

export function slotWeight(s: PlacementSlot): number {
  const w = s.weight ?? 1;
  return Number.isFinite(w) && w > 0 ? w : 1;
}

export function maxPerNodeOf(s: PlacementSlot): number {
  return s.maxPerNode !== undefined && s.maxPerNode > 0 ? s.maxPerNode : Number.POSITIVE_INFINITY;
}

/** Nodes in id order, each bounded to ⌈c · W · capacity / C⌉ slot weight (C over these nodes). */
export class Seats {
  readonly n: number;
  readonly caps: Float64Array;
  readonly uniform: boolean;
  readonly nodeHash: Uint32Array;
  readonly salt: Uint32Array;
  readonly bound: Float64Array;
  readonly load: Float64Array;
  /** CPUs and bytes of memory still free for reservations on each node (Infinity: not advertised). */
  readonly cpusFree: Float64Array;
  readonly memoryFree: Float64Array;
  /** Constraint lists repeat per replica: each distinct list is parsed and evaluated once. */
  private readonly masks = new Map<string, Uint8Array | ConstraintSyntaxError>();

  constructor(
    readonly nodes: PlacementMember[],
    totalWeight: number,
    loadFactor: number,
  ) {
    this.n = nodes.length;
    this.caps = Float64Array.from(nodes, capacityOf);
    const caps = this.caps;
    this.uniform = caps.every((x) => x === caps[0]);
    this.nodeHash = Uint32Array.from(nodes, (m) => hashString(m.id));
    this.salt = Uint32Array.from(this.nodeHash, nodeSalt);
    const totalCap = caps.reduce((a, b) => a + b, 0);
    this.bound = Float64Array.from(caps, (cap) => Math.ceil((loadFactor * totalWeight * cap) / totalCap));
    this.load = new Float64Array(this.n);
    const have = (v: number | undefined) => (v !== undefined && Number.isFinite(v) && v >= 0 ? v : Infinity);
    this.cpusFree = Float64Array.from(nodes, (m) => have(m.resources?.cpus));
    this.memoryFree = Float64Array.from(nodes, (m) => have(m.resources?.memory));
  }

  /** Whether node `i` has the slot's reservations free. */
  fits(i: number, r: Resources | undefined): boolean {
    return !r || ((r.cpus ?? 0) <= this.cpusFree[i]! && (r.memory ?? 0) <= this.memoryFree[i]!);
  }

  /** Node `i` takes the slot: its weight against the bound, its reservations against what is free. */
  take(i: number, s: PlacementSlot): void {
    this.load[i]! += slotWeight(s);
    this.cpusFree[i]! -= s.reserve?.cpus ?? 0;
    this.memoryFree[i]! -= s.reserve?.memory ?? 0;
  }

  /** 1 for the nodes that satisfy `list`; undefined when there is no constraint. */
  mask(list: string[] | undefined): Uint8Array | ConstraintSyntaxError | undefined {
    if (!list || list.length === 0) return undefined;
    const key = JSON.stringify(list);
    let mask = this.masks.get(key);
    if (!mask) {
      try {
        const parsed: Constraint[] = list.map(parseConstraint);
        mask = Uint8Array.from(this.nodes, (m) => (satisfies(m, parsed) ? 1 : 0));
      } catch (err) {
        if (!(err instanceof ConstraintSyntaxError)) throw err;
        mask = err;
      }
      this.masks.set(key, mask);
    }
    return mask;
  }

  /**
   * The node for a slot, or -1: among the nodes that match `mask` and hold fewer than
   * `maxPer` replicas of its service (`counts`), the one under its bound with the fewest
   * replicas, best score first; else the least loaded relative to capacity. One scan.
   */
  pick(
    slotHash: number,
    w: number,
    mask: Uint8Array | undefined,
    counts: Int32Array,
    maxPer: number,
    reserve?: Resources,
  ): number {
    const { n, load, bound, caps, nodeHash, salt, uniform } = this;
    let best = -1;
    let bestCount = 0;
    let bestScore = 0;
    let spill = -1;
    let spillLoad = 0;
    let spillScore = 0;
    for (let i = 0; i < n; i++) {
      if (mask && mask[i] === 0) continue;
      const count = counts[i]!;
      if (count >= maxPer) continue;
      if (!this.fits(i, reserve)) continue;
      const u = unit(pairHash(slotHash, nodeHash[i]!, salt[i]!));
      const score = uniform ? u : Math.log(u) / caps[i]!;
      if (load[i]! + w <= bound[i]!) {
        if (best < 0 || count < bestCount || (count === bestCount && score > bestScore)) {
          best = i;
          bestCount = count;
          bestScore = score;
        }
      } else {
        const rel = (load[i]! + w) / caps[i]!;
        if (spill < 0 || rel < spillLoad || (rel === spillLoad && score > spillScore)) {
          spill = i;
          spillLoad = rel;
          spillScore = score;
        }
      }
    }
    return best >= 0 ? best : spill;
  }

  /** Why `pick` found no node for the slot. */
  reason(s: PlacementSlot, mask: Uint8Array | undefined): string {
    const matching = mask ? mask.reduce((a, b) => a + b, 0) : this.n;
    if (matching === 0)
      return s.pinned
        ? `pinned to node ${s.pinned.node} (${s.pinned.reason}), which is not alive or does not match its constraints`
        : `no alive member satisfies ${(s.constraints ?? []).join(', ')}`;
    if (s.reserve && !this.nodes.some((_, i) => (!mask || mask[i] === 1) && this.fits(i, s.reserve)))
      return `no member has its reservations free (${reserveText(s.reserve)})`;
    return s.maxPerNodeWhy
      ? `${s.maxPerNodeWhy}: one replica per node, and every eligible node runs one`
      : `every member matching its constraints already runs max_replicas_per_node=${s.maxPerNode} of ${s.project}/${s.service}`;
  }
}

/**
 * Per-node replica counts of one service at a time. Slots come sorted by service, so one
 * array serves every service in turn; `touched` says which entries to clear.
 */
export class ServiceCounts {
  readonly counts: Int32Array;
  private readonly touched: number[] = [];
  private current: string | null = null;

  constructor(n: number) {
    this.counts = new Int32Array(n);
  }

  /** True when `service` differs from the previous call's (the counts were cleared). */
  enter(service: string): boolean {
    if (service === this.current) return false;
    for (const i of this.touched) this.counts[i] = 0;
    this.touched.length = 0;
    this.current = service;
    return true;
  }

  add(node: number): void {
    if (this.counts[node]!++ === 0) this.touched.push(node);
  }
}

function reserveText(r: Resources): string {
  const parts: string[] = [];
  if (r.cpus) parts.push(`${r.cpus} CPUs`);
  if (r.memory) parts.push(`${Math.round(r.memory / 2 ** 20)} MiB`);
  return parts.join(', ');
}
