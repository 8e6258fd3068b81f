/** From a project to the slots it wants: one per replica of each service. */
import type { ProjectSpec, ServiceSpec } from '../compose/types.js';
import { specHash } from './hash.js';
import { keyOf } from './labels.js';
import type { DesiredSlot } from './types.js';

/** Replicas of a service: an override (`fizz scale`), then deploy.replicas, then scale, then 1. */
export function replicaCount(service: ServiceSpec, override?: number): number {
  const n = override ?? service.deploy?.replicas ?? service.scale ?? 1;
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

/** `<project>-<service>-<n>` with n counted from 1, as docker compose names containers. */
export function containerName(project: string, service: string, replica: number, spec?: ServiceSpec): string {
  if (spec?.container_name && replica === 0) return spec.container_name;
  return `${project}-${service}-${replica + 1}`;
}

/** The current version of a cluster-wide secret or config (`fizz secret create`), if any. */
export type ObjectVersion = (kind: 'secret' | 'config', name: string) => string | undefined;

/**
 * The project-level definitions a service refers to (networks, named volumes, secrets,
 * configs): a change to one of them changes the service's containers too, so they go
 * into its hash. An external secret or config changes outside the project: its version
 * (`objectVersion`) goes in.
 */
export function referencedResources(
  project: ProjectSpec,
  service: ServiceSpec,
  objectVersion?: ObjectVersion,
): Record<string, unknown> {
  const pick = <T>(table: Record<string, T> | undefined, keys: Iterable<string>) => {
    const out: Record<string, T | null> = {};
    for (const k of keys) out[k] = table?.[k] ?? null;
    return out;
  };
  const volumeKeys = (service.volumes ?? [])
    .filter((v) => v.type === 'volume' && v.source)
    .map((v) => v.source!);
  const versioned = (kind: 'secret' | 'config', table: ProjectSpec['secrets'] | undefined) => {
    if (!objectVersion || !table) return table;
    const out: ProjectSpec['secrets'] = {};
    for (const [k, v] of Object.entries(table))
      out[k] = v.external === true ? { ...v, 'x-fizz-version': objectVersion(kind, v.name) ?? null } : v;
    return out;
  };
  return {
    networks: pick(project.networks, Object.keys(service.networks ?? {})),
    volumes: pick(project.volumes, volumeKeys),
    secrets: pick(
      versioned('secret', project.secrets),
      (service.secrets ?? []).map((s) => s.source),
    ),
    configs: pick(
      versioned('config', project.configs),
      (service.configs ?? []).map((s) => s.source),
    ),
  };
}

/**
 * Every slot of a project, in service-name then replica order. `replicasOverride` holds
 * `fizz scale` values by service; `stopped` holds service names (or slot keys) the user
 * stopped, whose slots keep their container but do not run it.
 */
/** The project-level extension that names the node where the project was first brought up. */
export const ORIGIN_KEY = 'x-fizz-origin';

export function projectOrigin(project: ProjectSpec): string | undefined {
  const o = project.extensions?.[ORIGIN_KEY];
  return typeof o === 'string' && o !== '' ? o : undefined;
}

export function toDesiredSlots(
  project: ProjectSpec,
  replicasOverride?: Record<string, number>,
  stopped?: Set<string>,
  objectVersion?: ObjectVersion,
): DesiredSlot[] {
  const out: DesiredSlot[] = [];
  for (const name of Object.keys(project.services).sort()) {
    const spec = project.services[name]!;
    const override =
      replicasOverride && Object.hasOwn(replicasOverride, name) ? replicasOverride[name] : undefined;
    const count = replicaCount(spec, override);
    if (count === 0) continue;
    const hash = specHash(spec, referencedResources(project, spec, objectVersion));
    const origin = projectOrigin(project);
    for (let replica = 0; replica < count; replica++) {
      const slot = { project: project.name, service: name, replica };
      out.push({
        slot,
        spec,
        specHash: hash,
        name: containerName(project.name, name, replica, spec),
        running: !(stopped?.has(name) || stopped?.has(keyOf(slot))),
        ...(origin !== undefined ? { origin } : {}),
      });
    }
  }
  return out;
}
