/**
 * From desired slots (a slot and its service) to what placement needs to know about them,
 * including the host resources that do not travel between nodes:
 * - a fixed published host port allows one replica per node (a second would not start);
 * - a bind mount of a host path pins the service to the node where `fizz up` ran (the
 *   project's origin), since the path is that node's;
 * - a named volume pins it to the origin too, where the volume's data lives, unless the
 *   service says `x-fizz: { move_volumes: true }` (it then starts with an empty volume
 *   wherever it lands).
 */
import type { JsonValue, ServiceSpec } from '../compose/types.js';
import type { SlotRef } from '../runtime/types.js';
import { ConstraintSyntaxError, parseConstraint, satisfies } from './constraints.js';
import { isEligible } from './place.js';
import type { PlacementMember, PlacementSlot } from './types.js';

function xFizz(spec: ServiceSpec): Record<string, JsonValue> | undefined {
  const x = spec['x-fizz'] as JsonValue | undefined;
  return x === null || typeof x !== 'object' || Array.isArray(x) ? undefined : x;
}

/** `x-fizz: { weight: N }` on a service: the relative cost of one replica (default 1). */
export function weightOf(spec: ServiceSpec): number | undefined {
  const w = xFizz(spec)?.weight;
  return typeof w === 'number' && Number.isFinite(w) && w > 0 ? w : undefined;
}

/** Whether the service publishes a fixed host port (not an ephemeral one). */
export function publishesFixedPort(spec: ServiceSpec): boolean {
  return (spec.ports ?? []).some(
    (p) => p.published !== undefined && p.published !== '' && p.published !== '0',
  );
}

/** Why the service must stay on the node where it was brought up, if it must. */
export function pinReason(spec: ServiceSpec): string | undefined {
  const volumes = spec.volumes ?? [];
  const bind = volumes.find((v) => v.type === 'bind' && v.source);
  if (bind) return `bind mount of ${bind.source}`;
  const named = volumes.find((v) => v.type === 'volume' && v.source);
  if (named && xFizz(spec)?.move_volumes !== true) return `named volume "${named.source}" lives there`;
  return undefined;
}

/** The placement view of one slot; `origin` is the node where its project was brought up. */
export function placementSlot(slot: SlotRef, spec: ServiceSpec, origin?: string): PlacementSlot {
  const out: PlacementSlot = { project: slot.project, service: slot.service, replica: slot.replica };
  const p = spec.deploy?.placement;
  if (p?.constraints?.length) out.constraints = [...p.constraints];
  if (p?.max_replicas_per_node !== undefined && p.max_replicas_per_node > 0)
    out.maxPerNode = p.max_replicas_per_node;
  if (isGlobal(spec)) {
    out.maxPerNode = 1;
    out.maxPerNodeWhy = 'deploy.mode is global';
  } else if (publishesFixedPort(spec)) {
    out.maxPerNode = 1;
    out.maxPerNodeWhy = 'it publishes a fixed host port';
  }
  const w = weightOf(spec);
  if (w !== undefined) out.weight = w;
  const r = spec.deploy?.resources?.reservations;
  if (r && ((r.cpus ?? 0) > 0 || (r.memory ?? 0) > 0))
    out.reserve = { ...(r.cpus ? { cpus: r.cpus } : {}), ...(r.memory ? { memory: r.memory } : {}) };
  const shared = spec.network_mode?.startsWith('service:') ? spec.network_mode.slice(8) : undefined;
  if (shared !== undefined)
    out.follows = {
      slot: `${slot.project}/${shared}/0`,
      why: `network_mode: service:${shared} runs it beside ${shared}'s first replica`,
    };
  const why = origin === undefined ? undefined : pinReason(spec);
  if (why !== undefined && origin !== undefined) {
    // A constraint like any other, so placement masks it; `pinned` words the reason.
    out.pinned = { node: origin, reason: why };
    out.constraints = [...(out.constraints ?? []), `node.id==${origin}`];
  }
  return out;
}

/** `placementSlot` for each of a list of desired slots (e.g. from `toDesiredSlots`). */
export function toPlacementSlots(
  slots: Array<{ slot: SlotRef; spec: ServiceSpec; origin?: string }>,
): PlacementSlot[] {
  return slots.map((d) => placementSlot(d.slot, d.spec, d.origin));
}

export function isGlobal(spec: ServiceSpec): boolean {
  return spec.deploy?.mode === 'global';
}

/**
 * `deploy.mode: global`: one replica per eligible member that satisfies the service's
 * constraints (a constraint that does not parse: none, and placement says why).
 */
export function globalReplicas(spec: ServiceSpec, members: PlacementMember[]): number {
  let constraints: ReturnType<typeof parseConstraint>[];
  try {
    constraints = (spec.deploy?.placement?.constraints ?? []).map(parseConstraint);
  } catch (err) {
    if (err instanceof ConstraintSyntaxError) return 1;
    throw err;
  }
  return members.filter((m) => isEligible(m) && satisfies(m, constraints)).length;
}
