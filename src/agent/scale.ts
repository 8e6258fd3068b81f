/**
 * `fizz scale web=3`: the scale override in the desired state (`ClusterState.setScale`),
 * which wins over the file's `deploy.replicas`/`scale` on every node until the next `fizz up`
 * of the service writes the file's count back into it (docker compose's `scale`, which the
 * next `up` overrides). Pure checks here; the agent writes and runs the pass.
 */

import { MAX_UP_SCALE } from '../api/decode.js';
import type { ProjectSpec } from '../compose/types.js';
import { isGlobal } from '../placement/slots.js';
import { replicaCount } from '../reconcile/index.js';

/** Why `scale` cannot be applied to the project in the state (`spec`), or undefined. */
export function scaleError(
  project: string,
  spec: ProjectSpec | undefined,
  scale: Record<string, number>,
): string | undefined {
  if (!spec) return `project "${project}" is not up`;
  const unknown = Object.keys(scale).filter((s) => !Object.hasOwn(spec.services, s));
  // Also a service of the file that no `up` has named yet: it is not in the state.
  if (unknown.length > 0)
    return `project "${project}" has no service ${unknown.map((s) => `"${s}"`).join(', ')} up (fizz up brings one up)`;
  const global = Object.keys(scale).filter((s) => isGlobal(spec.services[s]!));
  if (global.length > 0)
    return `service ${global.map((s) => `"${s}"`).join(', ')} runs one replica per node (deploy.mode: global) and cannot be scaled`;
  return containerNameScaleError(spec, scale);
}

/** Why `scale` gives more than one replica to a service with a `container_name` (`fizz scale`, `up --scale`). */
export function containerNameScaleError(
  spec: ProjectSpec,
  scale: Record<string, number>,
): string | undefined {
  const named = Object.entries(scale).filter(([s, n]) => n > 1 && spec.services[s]?.container_name);
  if (named.length === 0) return undefined;
  return named
    .map(
      ([s, n]) =>
        `service "${s}" has container_name "${spec.services[s]!.container_name}": it cannot run ${n} replicas (a container name is unique)`,
    )
    .join('; ');
}

/**
 * The override each `up` target with one must get so that the `up` wins: the replicas of the
 * spec the `up` wrote (the file's count, or `--scale`'s). Services without an override keep
 * none.
 */
export function overridesAfterUp(
  spec: ProjectSpec,
  targets: string[],
  current: (service: string) => number | undefined,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const svc of targets) {
    const s = spec.services[svc];
    if (s && current(svc) !== undefined) out[svc] = Math.min(replicaCount(s), MAX_UP_SCALE);
  }
  return out;
}
