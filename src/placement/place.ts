/**
 * Placement: which node runs which slot. Rendezvous (highest-random-weight) hashing with
 * bounded loads, hard constraints, and spread of a service's replicas. Pure and
 * deterministic: the same slots and members, in any order, give the same assignment on
 * every node.
 */
import { type Constraint, ConstraintSyntaxError, parseConstraint, satisfies } from './constraints.js';
import { hashString, nodeSalt, pairHash, unit } from './hash.js';
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

function capacityOf(m: PlacementMember): number {
  const c = m.capacity ?? 1;
  return Number.isFinite(c) && c > 0 ? c : 0;
}

function weightOf(s: PlacementSlot): number {
  const w = s.weight ?? 1;
  return Number.isFinite(w) && w > 0 ? w : 1;
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
      cmp(a.pinned?.node ?? '', b.pinned?.node ?? '') ||
      (a.maxPerNode ?? 0) - (b.maxPerNode ?? 0) ||
      weightOf(a) - weightOf(b),
  );
  return sorted.filter((s, i) => i === 0 || slotKeyOf(sorted[i - 1]!) !== slotKeyOf(s));
}

/**
 * Places every slot on one eligible member:
 * 1. Candidates are the alive and suspect members that satisfy the slot's constraints and
 *    hold fewer than `maxPerNode` replicas of its service.
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
 * Slots are taken in (project, service, replica) order, members in id order, ties in
 * scores go to the smaller id.
 */
export function place(
  slots: PlacementSlot[],
  members: PlacementMember[],
  opts: PlacementOptions = {},
): PlacementResult {
  const c = opts.loadFactor !== undefined && opts.loadFactor >= 1 ? opts.loadFactor : DEFAULT_LOAD_FACTOR;
  const nodes = canonicalMembers(members).filter(isEligible);
  const ordered = canonicalSlots(slots);
  const assignment = new Map<string, string>();
  const unplaced: PlacementResult['unplaced'] = [];
  const n = nodes.length;
  if (n === 0) {
    for (const s of ordered) unplaced.push({ slot: slotKeyOf(s), reason: 'no alive member to place it on' });
    return { assignment, unplaced };
  }

  const caps = Float64Array.from(nodes, capacityOf);
  const uniform = caps.every((x) => x === caps[0]);
  const nodeHash = Uint32Array.from(nodes, (m) => hashString(m.id));
  const salt = Uint32Array.from(nodeHash, nodeSalt);
  const totalCap = caps.reduce((a, b) => a + b, 0);
  const totalWeight = ordered.reduce((a, s) => a + weightOf(s), 0);
  const bound = Float64Array.from(caps, (cap) => Math.ceil((c * totalWeight * cap) / totalCap));
  const load = new Float64Array(n);

  // Constraint lists repeat per replica: parse and evaluate each distinct list once.
  const masks = new Map<string, Uint8Array | ConstraintSyntaxError>();
  const maskFor = (list: string[] | undefined): Uint8Array | ConstraintSyntaxError | undefined => {
    if (!list || list.length === 0) return undefined;
    const key = JSON.stringify(list);
    let mask = masks.get(key);
    if (!mask) {
      try {
        const parsed: Constraint[] = list.map(parseConstraint);
        mask = Uint8Array.from(nodes, (m) => (satisfies(m, parsed) ? 1 : 0));
      } catch (err) {
        if (!(err instanceof ConstraintSyntaxError)) throw err;
        mask = err;
      }
      masks.set(key, mask);
    }
    return mask;
  };
  // Slots come sorted by service, so one array of per-node replica counts serves every
  // service in turn; `touched` says which entries to clear when the service changes.
  const counts = new Int32Array(n);
  const touched: number[] = [];
  let currentService = '';

  for (const s of ordered) {
    const key = slotKeyOf(s);
    const mask = maskFor(s.constraints);
    if (mask instanceof ConstraintSyntaxError) {
      unplaced.push({ slot: key, reason: mask.message });
      continue;
    }
    const svcKey = `${s.project}/${s.service}`;
    if (svcKey !== currentService) {
      for (const i of touched) counts[i] = 0;
      touched.length = 0;
      currentService = svcKey;
    }
    const maxPer = s.maxPerNode !== undefined && s.maxPerNode > 0 ? s.maxPerNode : Number.POSITIVE_INFINITY;
    const w = weightOf(s);
    const sh = hashString(key);

    // One scan finds both choices: the node under its bound with the fewest replicas of
    // the service, best score first; else the least loaded relative to capacity.
    let best = -1;
    let bestCount = 0;
    let bestScore = 0;
    let spill = -1;
    let spillLoad = 0;
    let spillScore = 0;
    let matching = 0;
    for (let i = 0; i < n; i++) {
      if (mask && mask[i] === 0) continue;
      if (s.pinned && nodes[i]!.id !== s.pinned.node) continue;
      matching++;
      const count = counts[i]!;
      if (count >= maxPer) continue;
      const u = unit(pairHash(sh, nodeHash[i]!, salt[i]!));
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
    const chosen = best >= 0 ? best : spill;
    if (chosen < 0) {
      unplaced.push({
        slot: key,
        reason:
          matching === 0
            ? s.pinned
              ? `pinned to node ${s.pinned.node} (${s.pinned.reason}), which is not alive or does not match its constraints`
              : `no alive member satisfies ${(s.constraints ?? []).join(', ')}`
            : s.maxPerNodeWhy
              ? `${s.maxPerNodeWhy}: one replica per node, and every eligible node runs one`
              : `every member matching its constraints already runs max_replicas_per_node=${s.maxPerNode} of ${svcKey}`,
      });
      continue;
    }
    load[chosen]! += w;
    if (counts[chosen]++ === 0) touched.push(chosen);
    assignment.set(key, nodes[chosen]!.id);
  }
  return { assignment, unplaced };
}

/** The slot keys a node runs, sorted. */
export function ownedSlots(result: PlacementResult, nodeId: string): string[] {
  const out: string[] = [];
  for (const [slot, node] of result.assignment) if (node === nodeId) out.push(slot);
  return out.sort();
}
