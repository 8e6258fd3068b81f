/** From desired slots (a slot and its service) to what placement needs to know about them. */
import type { JsonValue, ServiceSpec } from '../compose/types.js';
import type { SlotRef } from '../runtime/types.js';
import type { PlacementSlot } from './types.js';

/** `x-fizz: { weight: N }` on a service: the relative cost of one replica (default 1). */
export function weightOf(spec: ServiceSpec): number | undefined {
  const x = spec['x-fizz'] as JsonValue | undefined;
  if (x === null || typeof x !== 'object' || Array.isArray(x)) return undefined;
  const w = x.weight;
  return typeof w === 'number' && Number.isFinite(w) && w > 0 ? w : undefined;
}

/** The placement view of one slot: its service's constraints, max_replicas_per_node and weight. */
export function placementSlot(slot: SlotRef, spec: ServiceSpec): PlacementSlot {
  const out: PlacementSlot = { project: slot.project, service: slot.service, replica: slot.replica };
  const p = spec.deploy?.placement;
  if (p?.constraints?.length) out.constraints = [...p.constraints];
  if (p?.max_replicas_per_node !== undefined && p.max_replicas_per_node > 0)
    out.maxPerNode = p.max_replicas_per_node;
  const w = weightOf(spec);
  if (w !== undefined) out.weight = w;
  return out;
}

/** `placementSlot` for each of a list of desired slots (e.g. from `toDesiredSlots`). */
export function toPlacementSlots(slots: Array<{ slot: SlotRef; spec: ServiceSpec }>): PlacementSlot[] {
  return slots.map((d) => placementSlot(d.slot, d.spec));
}
