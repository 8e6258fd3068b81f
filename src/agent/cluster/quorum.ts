/**
 * Who may take over whose slots under a partition. Pure.
 *
 * Every node keeps the *stable view*: the members it last agreed were the cluster. A side
 * that sees more than half of it (exactly half too, under the `availability` tie rule)
 * is the majority: it places over the members it sees, so it takes over the slots of
 * those it lost, and the stable view shrinks to what it sees. A minority side places over
 * the whole stable view as if the members it cannot see were still there: it keeps
 * running its own slots and starts nothing of theirs, so a cut-off node never starts the
 * whole cluster on itself. A member that left on purpose leaves the view at once; a newly
 * seen member enters it.
 */
import type { PlacementMember } from '../../placement/types.js';
import type { TieRule } from './config.js';

export interface QuorumInput {
  /** The stable view as last agreed (persisted across restarts). */
  stable: readonly PlacementMember[];
  /** Every member membership knows now, self included, with its state. */
  members: readonly PlacementMember[];
  tie: TieRule;
}

export interface QuorumView {
  majority: boolean;
  /** The members that may run replicas now (alive, suspect, and for a minority the unseen). */
  eligible: PlacementMember[];
  /**
   * What placement runs over: `eligible`, and the dead and departed members membership still
   * lists, with their status, so that placement's first pass keeps every other slot where it
   * was (a death moves only the dead member's slots; see placement's placeHomes).
   */
  placement: PlacementMember[];
  /** The stable view from now on. */
  stable: PlacementMember[];
  /** Members of the stable view this side cannot see. */
  unseen: string[];
}

const visible = (m: PlacementMember) => m.status === 'alive' || m.status === 'suspect';

function byId(a: PlacementMember, b: PlacementMember): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function quorum(input: QuorumInput): QuorumView {
  const now = new Map(input.members.map((m) => [m.id, m]));
  const seen = input.members.filter(visible);
  const known = new Map<string, PlacementMember>();
  for (const m of input.stable) if (now.get(m.id)?.status !== 'left') known.set(m.id, m);
  for (const m of seen) known.set(m.id, m);
  const size = known.size;
  const majority = 2 * seen.length > size || (input.tie === 'availability' && 2 * seen.length === size);
  // Members listed dead or departed, not counted as eligible: placement's first pass.
  const gone = (eligible: PlacementMember[]) =>
    input.members.filter((m) => !visible(m) && !eligible.some((e) => e.id === m.id));
  if (majority) {
    const eligible = [...seen].sort(byId);
    const placement = [...eligible, ...gone(eligible)].sort(byId);
    return { majority, eligible, placement, stable: eligible.map(snapshot), unseen: [] };
  }
  const unseen = [...known.values()].filter((m) => !seen.some((s) => s.id === m.id));
  const eligible = [...seen, ...unseen.map((m) => ({ ...snapshot(m), status: 'alive' as const }))].sort(byId);
  return {
    majority,
    eligible,
    placement: [...eligible, ...gone(eligible)].sort(byId),
    stable: [...known.values()].map(snapshot).sort(byId),
    unseen: unseen.map((m) => m.id).sort(),
  };
}

/** What the stable view keeps of a member: enough to place over it while it is unseen. */
function snapshot(m: PlacementMember): PlacementMember {
  const out: PlacementMember = { id: m.id, name: m.name, status: 'alive', labels: { ...m.labels } };
  if (m.capacity !== undefined) out.capacity = m.capacity;
  if (m.resources !== undefined) out.resources = { ...m.resources };
  return out;
}

/** Whether two stable views hold the same members (to write the file only on a change). */
export function sameView(a: readonly PlacementMember[], b: readonly PlacementMember[]): boolean {
  return JSON.stringify(a.map(snapshot).sort(byId)) === JSON.stringify(b.map(snapshot).sort(byId));
}
