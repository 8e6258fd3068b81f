/**
 * Placement: which node runs which slot. Rendezvous (highest-random-weight) hashing with
 * bounded loads, hard constraints, and spread of a service's replicas. Pure and
 * deterministic: the same slots and members, in any order, give the same assignment on
 * every node.
 */
import { ConstraintSyntaxError } from './constraints.js';
import { placeFollowers, splitFollowers } from './follow.js';
import { hashString } from './hash.js';
import { capacityOf, maxPerNodeOf, Seats, ServiceCounts, slotWeight } from './seats.js';
import type {
  MemberStatus,
  PlacementMember,
  PlacementOptions,
  PlacementResult,
  PlacementSlot,
} from './types.js';

export const DEFAULT_LOAD_FACTOR = 1.25;

const STATUS_RANK: Record<MemberStatus, number> = { alive: 0, suspect: 1, dead: 2, left: 3 };

/** Alive and suspect members hold slots; a suspect keeps its own, so a false suspicion moves nothing. */
export function isEligible(m: PlacementMember): boolean {
  return (m.status === 'alive' || m.status === 'suspect') && capacityOf(m) > 0;
}

export function slotKeyOf(s: { project: string; service: string; replica: number }): string {
  return `${s.project}/${s.service}/${s.replica}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function labelText(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join('\n');
}

/** Members by id; of entries sharing an id, the same one wins whatever the input order. */
function canonicalMembers(members: PlacementMember[]): PlacementMember[] {
  const sorted = [...members].sort(
    (a, b) =>
      cmp(a.id, b.id) ||
      STATUS_RANK[a.status] - STATUS_RANK[b.status] ||
      cmp(a.name, b.name) ||
      capacityOf(a) - capacityOf(b) ||
      cmp(labelText(a.labels), labelText(b.labels)),
  );
  return sorted.filter((m, i) => i === 0 || sorted[i - 1]!.id !== m.id);
}

/** Slots by project, service, then replica number; of duplicates, one (the same one) wins. */
function canonicalSlots(slots: PlacementSlot[]): PlacementSlot[] {
  const sorted = [...slots].sort(
    (a, b) =>
      cmp(a.project, b.project) ||
      cmp(a.service, b.service) ||
      a.replica - b.replica ||
      cmp(JSON.stringify(a.constraints ?? []), JSON.stringify(b.constraints ?? [])) ||
      cmp(JSON.stringify(a.reserve ?? {}), JSON.stringify(b.reserve ?? {})) ||
      (a.maxPerNode ?? 0) - (b.maxPerNode ?? 0) ||
      slotWeight(a) - slotWeight(b),
  );
  return sorted.filter((s, i) => i === 0 || slotKeyOf(sorted[i - 1]!) !== slotKeyOf(s));
}

/**
 * Places every slot on one eligible member, in two passes:
 *
 * Pass 1, homes. Over every listed member with capacity, whatever its status:
 * 1. Candidates are the members that satisfy the slot's constraints and hold fewer than
 *    `maxPerNode` replicas of its service.
 * 2. Each candidate's rendezvous score for the slot is `ln(u)/capacity`, u a hash of
 *    (slot, node) in (0,1) — highest wins, so a node of capacity 2 wins about twice as often.
 * 3. Bounded loads: a node takes no more than ⌈c · W · capacity/C⌉ (W total slot weight,
 *    C total capacity, c the load factor), so no node exceeds c times its fair share.
 * 4. Spread: among candidates under their bound, those holding the fewest replicas of
 *    the slot's service come first, then the highest score; so replicas land on distinct
 *    nodes whenever there are enough.
 * 5. When every candidate is at its bound, the least loaded relative to capacity takes
 *    the slot: the bound and the spread balance, constraints and max_replicas_per_node
 *    are hard.
 *
 * Pass 2, orphans. A slot whose home is alive or suspect stays there. The others (homed
 * on a dead or departed member, or placed nowhere) are placed by the same rules over the
 * eligible members only, with C their capacity, on top of the loads and replica counts
 * of the slots that stayed.
 *
 * Why two passes: bounded loads and spread make one greedy pass order-dependent, so
 * removing a member from it shifts slots between survivors (a cascade). A member that
 * dies stays listed, as dead, until SWIM reaps it (`gossipToTheDeadTime` later): it keeps
 * its seat in pass 1, so pass 1 does not change and a death moves only the slots homed on
 * the dead member. The shift that bounded loads make inevitable happens at the reap,
 * between live members, when nothing is urgent. With no dead or departed member listed,
 * pass 2 changes nothing and the result is that of pass 1.
 *
 * Slots are taken in (project, service, replica) order, members in id order, ties in
 * scores go to the smaller id.
 */
export function place(
  slots: PlacementSlot[],
  members: PlacementMember[],
  opts: PlacementOptions = {},
): PlacementResult {
  const { leaders, followers } = splitFollowers(slots);
  const result = placeOver(placeHomes(leaders, members, opts), members);
  return followers.length === 0 ? result : placeFollowers(result, followers, members, slotKeyOf);
}

/** Pass 1 of `place`, kept so that a change of statuses only costs pass 2 (`placeOver`). */
export interface Homes {
  /** The listed members with capacity, in id order: what pass 1 depends on besides the slots. */
  readonly listed: PlacementMember[];
  /** `listedKey(listed)`: `placeOver` checks its members against it. */
  readonly key: string;
  readonly slots: PlacementSlot[];
  readonly keys: string[];
  /** Per slot (index in `slots`): its home's index in `listed`, or -1 (placed nowhere). */
  readonly home: Int32Array;
  /** Per slot: the reason it is placed nowhere, when that holds whoever is alive. */
  readonly invalid: Array<string | undefined>;
  /** Per slot pass 1 left unplaced: why, with the loads and reservations of that pass. */
  readonly full: Array<string | undefined>;
  readonly totalWeight: number;
  readonly loadFactor: number;
}

/** Handed members that list other ids, capacities or labels than the `Homes` were placed over. */
export class StaleHomesError extends Error {
  override readonly name = 'StaleHomesError';
  constructor() {
    super('the members differ from those the homes were placed over (beyond their status)');
  }
}

/** Everything about the listed members that pass 1 depends on: ids, capacities, labels. */
function listedKey(listed: PlacementMember[]): string {
  return listed
    .map(
      (m) =>
        `${m.id}\u0000${capacityOf(m)}\u0000${labelText(m.labels)}\u0000${JSON.stringify(m.resources ?? {})}`,
    )
    .join('\u0001');
}

/** Pass 1: every slot on a listed member with capacity, as if all of them were alive. */
export function placeHomes(
  slots: PlacementSlot[],
  members: PlacementMember[],
  opts: PlacementOptions = {},
): Homes {
  const loadFactor =
    opts.loadFactor !== undefined && opts.loadFactor >= 1 ? opts.loadFactor : DEFAULT_LOAD_FACTOR;
  const listed = canonicalMembers(members).filter((m) => capacityOf(m) > 0);
  const ordered = canonicalSlots(slots);
  const totalWeight = ordered.reduce((a, s) => a + slotWeight(s), 0);
  const home = new Int32Array(ordered.length).fill(-1);
  const invalid: Array<string | undefined> = new Array(ordered.length);
  const full: Array<string | undefined> = new Array(ordered.length);
  const homes: Homes = {
    listed,
    key: listedKey(listed),
    slots: ordered,
    keys: ordered.map(slotKeyOf),
    home,
    invalid,
    full,
    totalWeight,
    loadFactor,
  };
  if (listed.length === 0) {
    invalid.fill('no alive member to place it on');
    return homes;
  }
  const seats = new Seats(listed, totalWeight, loadFactor);
  const svc = new ServiceCounts(listed.length);
  ordered.forEach((s, k) => {
    const mask = seats.mask(s.constraints);
    if (mask instanceof ConstraintSyntaxError) {
      invalid[k] = mask.message;
      return;
    }
    svc.enter(`${s.project}/${s.service}`);
    const w = slotWeight(s);
    const chosen = seats.pick(hashString(homes.keys[k]!), w, mask, svc.counts, maxPerNodeOf(s), s.reserve);
    if (chosen < 0) {
      full[k] = seats.reason(s, mask);
      return;
    }
    seats.take(chosen, s);
    svc.add(chosen);
    home[k] = chosen;
  });
  return homes;
}

/**
 * Pass 2: the slots whose home is eligible in `members` stay; the rest go to eligible
 * members. `members` must list the same members as the homes were placed over (their
 * statuses may differ), else StaleHomesError.
 */
export function placeOver(homes: Homes, members: PlacementMember[]): PlacementResult {
  const listed = canonicalMembers(members).filter((m) => capacityOf(m) > 0);
  if (listedKey(listed) !== homes.key) throw new StaleHomesError();
  const { slots, keys, home, invalid } = homes;
  const assignment = new Map<string, string>();
  const unplaced: PlacementResult['unplaced'] = [];
  // Index in the eligible list of each listed member, or -1.
  const eligibleIndex = new Int32Array(listed.length).fill(-1);
  const nodes: PlacementMember[] = [];
  listed.forEach((m, i) => {
    if (isEligible(m)) eligibleIndex[i] = nodes.push(m) - 1;
  });
  const kept = (k: number) => home[k]! >= 0 && eligibleIndex[home[k]!]! >= 0;
  if (nodes.length === listed.length) {
    // Nobody dead or departed: pass 1 stands (a slot it left unplaced had no room then, nor now).
    slots.forEach((_, k) => {
      if (kept(k)) assignment.set(keys[k]!, listed[home[k]!]!.id);
      else unplaced.push({ slot: keys[k]!, reason: invalid[k] ?? homes.full[k] ?? 'no room' });
    });
    return { assignment, unplaced };
  }
  if (nodes.length === 0) {
    for (const key of keys) unplaced.push({ slot: key, reason: 'no alive member to place it on' });
    return { assignment, unplaced };
  }
  const seats = new Seats(nodes, homes.totalWeight, homes.loadFactor);
  slots.forEach((s, k) => {
    if (kept(k)) seats.take(eligibleIndex[home[k]!]!, s);
  });
  const svc = new ServiceCounts(nodes.length);
  slots.forEach((s, k) => {
    const key = keys[k]!;
    if (invalid[k] !== undefined) {
      unplaced.push({ slot: key, reason: invalid[k]! });
      return;
    }
    if (svc.enter(`${s.project}/${s.service}`)) {
      // Slots are sorted by service: count the staying replicas of this one.
      for (let j = k; j < slots.length && sameService(slots[j]!, s); j++)
        if (kept(j)) svc.add(eligibleIndex[home[j]!]!);
    }
    if (kept(k)) {
      assignment.set(key, listed[home[k]!]!.id);
      return;
    }
    const mask = seats.mask(s.constraints) as Uint8Array | undefined;
    const w = slotWeight(s);
    const chosen = seats.pick(hashString(key), w, mask, svc.counts, maxPerNodeOf(s), s.reserve);
    if (chosen < 0) {
      unplaced.push({ slot: key, reason: seats.reason(s, mask) });
      return;
    }
    seats.take(chosen, s);
    svc.add(chosen);
    assignment.set(key, nodes[chosen]!.id);
  });
  return { assignment, unplaced };
}

function sameService(a: PlacementSlot, b: PlacementSlot): boolean {
  return a.project === b.project && a.service === b.service;
}

/** The slot keys a node runs, sorted. */
export function ownedSlots(result: PlacementResult, nodeId: string): string[] {
  const out: string[] = [];
  for (const [slot, node] of result.assignment) if (node === nodeId) out.push(slot);
  return out.sort();
}
