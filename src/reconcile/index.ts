/** The reconcile layer: desired slots, spec hashes, the planner, start waves, back-off. */
export { type BackoffOptions, nextBackoff } from './backoff.js';
export { DependencyCycleError } from './errors.js';
export { canonicalJson, containerShape, SPEC_HASH_LENGTH, specHash } from './hash.js';
export { keyOf, LABEL, slotOfLabels } from './labels.js';
export { isUp, plan, REMOVED_BY_HAND, restartsWhenExited } from './plan.js';
export { type SelfHealing, selfHealing } from './self-heal.js';
export {
  containerName,
  type ObjectVersion,
  referencedResources,
  replicaCount,
  toDesiredSlots,
} from './slots.js';
export type { Action, DesiredSlot, PlanInput } from './types.js';
export { waves, withDependencies } from './waves.js';
