/** Placement: which node runs which slot. */
export { ConstraintSyntaxError, parseConstraint, satisfies } from './constraints.js';
export { DEFAULT_LOAD_FACTOR, isEligible, ownedSlots, place, slotKeyOf } from './place.js';
export { placementSlot, toPlacementSlots, weightOf } from './slots.js';
export type {
  MemberStatus,
  PlacementMember,
  PlacementOptions,
  PlacementResult,
  PlacementSlot,
} from './types.js';
