/**
 * What `fizz up` writes into the desired state. A plain `fizz up` writes the compose file as
 * it is. `fizz up web` brings up only its *targets* — `web` and, unless `--no-deps`, what it
 * depends on — and leaves every other service as it was, as docker compose does: a service
 * already in the state keeps its previous definition (a change in the file does not recreate
 * it, its `fizz stop` mark stays), and a service not yet in the state stays out of it (no
 * container is made for it) until an `up` names it. Pure: plain data in and out.
 */
import type { ProjectSpec, ServiceSpec } from '../compose/types.js';
import { withDependencies } from '../reconcile/index.js';

export interface UpSelection {
  /** The services to bring up (see `upTargets`). */
  targets: string[];
  /** `--no-recreate`: a target already in the state keeps its previous definition. */
  noRecreate?: boolean;
  /** `--scale service=n`: replicas of targets, overriding deploy.replicas and scale. */
  scale?: Record<string, number>;
}

/**
 * The services an `up` brings up: every service of the file when none is named; else the
 * named ones with their dependencies, transitively (only the named ones with `noDeps`).
 */
export function upTargets(file: ProjectSpec, named: string[], noDeps: boolean): string[] {
  if (named.length === 0) return Object.keys(file.services).sort();
  return noDeps ? [...new Set(named)].filter((s) => file.services[s]).sort() : withDependencies(file, named);
}

/** `service` with `n` replicas: `deploy.replicas` when the file set it (it wins over `scale`), and `scale`. */
export function withReplicas(service: ServiceSpec, n: number): ServiceSpec {
  const out: ServiceSpec = { ...service, scale: n };
  if (service.deploy?.replicas !== undefined) out.deploy = { ...service.deploy, replicas: n };
  return out;
}

/**
 * The project to write for an `up` of `file` when the state holds `previous`: targets from
 * the file (or, with `noRecreate`, from `previous` when there), other services from
 * `previous` when there, else left out. Services no longer in the file are left out too
 * (they are removed: `--remove-orphans` is always on). Project-level definitions (networks,
 * volumes, secrets, configs) come from the file.
 */
export function desiredProject(
  file: ProjectSpec,
  previous: ProjectSpec | undefined,
  sel: UpSelection,
): ProjectSpec {
  const targets = new Set(sel.targets);
  const services: Record<string, ServiceSpec> = {};
  for (const [name, svc] of Object.entries(file.services)) {
    const before = previous?.services[name];
    if (targets.has(name)) {
      const base = sel.noRecreate && before ? before : svc;
      const n = sel.scale?.[name];
      services[name] = n === undefined ? base : withReplicas(base, n);
    } else if (before) services[name] = before;
  }
  return { ...file, services };
}
