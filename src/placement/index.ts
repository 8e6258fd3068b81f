/** Placement: which node runs which slot. */
export { ConstraintSyntaxError, parseConstraint, satisfies } from './constraints.js';
export { diffAssignments, type MovedSlot } from './diff.js';
export {
  DEFAULT_LOAD_FACTOR,
  type Homes,
  isEligible,
  ownedSlots,
  place,
  placeHomes,
  placeOver,
  StaleHomesError,
  slotKeyOf,
} from './place.js';
export { placementSlot, toPlacementSlots, weightOf } from './slots.js';
export type {
  MemberStatus,
  PlacementMember,
  PlacementOptions,
  PlacementResult,
  PlacementSlot,
} from './types.js';
