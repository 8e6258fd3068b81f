/**
 * The desired state of a pass: every project in ClusterState as the slots it wants, with
 * `fizz scale` overrides, stopped services and global services' one replica a member.
 */
import type { ClusterState } from '../../crdt/index.js';
import type { ProjectSpec } from '../compose/types.js';
import { globalReplicas, isGlobal } from '../placement/slots.js';
import type { PlacementMember } from '../placement/types.js';
import { type ObjectVersion, toDesiredSlots, waves } from '../reconcile/index.js';
import type { DesiredSlot } from '../reconcile/types.js';
import { engineHelp } from './pass-types.js';

/** The spec of every project in the state. */
export function projectSpecs(state: ClusterState): Map<string, ProjectSpec> {
  const out = new Map<string, ProjectSpec>();
  for (const name of state.listProjects()) {
    const spec = state.getProject(name) as ProjectSpec | undefined;
    if (spec) out.set(name, spec);
  }
  return out;
}

/**
 * The slots every project wants. A project whose spec cannot be planned (a dependency
 * cycle, a malformed field from a hostile or buggy writer) is left out and named in
 * `broken`: it must neither stop the other projects nor lose its containers.
 */
export function desiredSlots(
  specs: Map<string, ProjectSpec>,
  state: ClusterState,
  members: () => PlacementMember[],
  objectVersion: ObjectVersion | undefined,
): { slots: DesiredSlot[]; broken: Map<string, string> } {
  const slots: DesiredSlot[] = [];
  const broken = new Map<string, string>();
  for (const [name, spec] of specs) {
    try {
      waves(spec); // a dependency cycle would deadlock the executor
      const overrides: Record<string, number> = {};
      const stopped = new Set<string>();
      for (const svc of Object.keys(spec.services)) {
        const n = isGlobal(spec.services[svc]!)
          ? globalReplicas(spec.services[svc]!, members())
          : state.getScale(name, svc);
        if (n !== undefined) overrides[svc] = n;
        if (state.isServiceStopped(name, svc)) stopped.add(svc);
      }
      slots.push(...toDesiredSlots(spec, overrides, stopped, objectVersion));
    } catch (err) {
      broken.set(name, `project "${name}" cannot be planned: ${engineHelp(err)}`);
    }
  }
  return { slots, broken };
}
