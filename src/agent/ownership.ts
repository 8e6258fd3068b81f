/**
 * Which desired slots this node runs: placement over the member list, then the slots
 * assigned to this node. On one machine the list holds only this node, but the same
 * placement function runs, so the single-node path is the cluster path.
 */
import type { PlacementMember, PlacementResult, PlacementSlot } from '../placement/types.js';
import type { DesiredSlot } from '../reconcile/types.js';
import { slotKey } from '../runtime/types.js';

export type PlaceFn = (slots: PlacementSlot[], members: PlacementMember[]) => PlacementResult;

export function ownedSlots(
  desired: DesiredSlot[],
  nodeId: string,
  place: PlaceFn,
  members: PlacementMember[] = [{ id: nodeId, name: nodeId, status: 'alive', labels: {} }],
): DesiredSlot[] {
  const slots: PlacementSlot[] = desired.map((d) => {
    const s: PlacementSlot = { ...d.slot };
    const p = d.spec.deploy?.placement;
    if (p?.constraints) s.constraints = p.constraints;
    if (p?.max_replicas_per_node !== undefined) s.maxPerNode = p.max_replicas_per_node;
    return s;
  });
  const { assignment } = place(slots, members);
  return desired.filter((d) => assignment.get(slotKey(d.slot)) === nodeId);
}
