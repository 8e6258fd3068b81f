/**
 * Which desired slots this node runs: placement over the members placement may use (see
 * cluster/quorum.ts), then the slots assigned to this node. On one machine the list holds
 * only this node, but the same placement function runs, so the single-node path is the
 * cluster path.
 */
import { toPlacementSlots } from '../placement/slots.js';
import type { PlacementMember, PlacementResult, PlacementSlot } from '../placement/types.js';
import type { DesiredSlot } from '../reconcile/types.js';
import { slotKey } from '../runtime/types.js';

export type PlaceFn = (slots: PlacementSlot[], members: PlacementMember[]) => PlacementResult;

export interface Ownership {
  /** The slots this node runs. */
  owned: DesiredSlot[];
  /** Every slot's node (slot key → node id). */
  assignment: Map<string, string>;
  /** Slots no member can take, with the reason. */
  unplaced: PlacementResult['unplaced'];
}

export function ownedSlots(
  desired: DesiredSlot[],
  nodeId: string,
  place: PlaceFn,
  members: PlacementMember[] = [{ id: nodeId, name: nodeId, status: 'alive', labels: {} }],
): Ownership {
  const { assignment, unplaced } = place(toPlacementSlots(desired), members);
  return {
    owned: desired.filter((d) => assignment.get(slotKey(d.slot)) === nodeId),
    assignment,
    unplaced,
  };
}
