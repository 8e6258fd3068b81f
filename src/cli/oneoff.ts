/**
 * `fizz run`'s container, as docker compose makes it: the service's definition with the
 * command line's overrides, no published ports unless asked (`--service-ports`, `-p`), no
 * restart policy, no fixed addresses, no service alias, labelled a one-off so the reconcile
 * loop leaves it alone. Pure: the command and its tests feed it plain data.
 */
import { isAbsolute, resolve } from 'node:path';
import { UsageError } from 'clipanion';
import { ComposeValueError } from '../compose/errors.js';
import { parsePortSpec } from '../compose/ports.js';
import { shellSplit } from '../compose/shell-split.js';
import type { PortSpec, ProjectSpec, ServiceSpec, ServiceVolumeSpec } from '../compose/types.js';
import { parseVolumeSpec } from '../compose/volumes-short.js';
import { serviceNetworks, serviceVolumeNames } from '../runtime/resources.js';
import { type CreateRequest, LABELS } from '../runtime/types.js';

export interface RunFlags {
  /** Replaces the service's command when not empty. */
  command: string[];
  /** `--entrypoint`: a command line, split as a shell would; `''` clears the image's. */
  entrypoint?: string;
  /** `KEY=VALUE` entries (already resolved from `-e KEY`). */
  env: string[];
  volumes: string[];
  publish: string[];
  servicePorts: boolean;
  user?: string;
  workdir?: string;
  tty: boolean;
  /** Keep stdin open (attached runs). */
  stdin: boolean;
  labels: string[];
}

function usage(flag: string, err: unknown): UsageError {
  const message = err instanceof ComposeValueError || err instanceof Error ? err.message : String(err);
  return new UsageError(`${flag}: ${message}`);
}

/** `KEY=VALUE` → [KEY, VALUE]; a usage error otherwise. */
function keyValue(flag: string, entry: string): [string, string] {
  const at = entry.indexOf('=');
  if (at <= 0) throw new UsageError(`${flag} wants KEY=VALUE, not "${entry}"`);
  return [entry.slice(0, at), entry.slice(at + 1)];
}

/** `-v` entries in the service's volume form; a relative bind source is taken from `cwd`. */
function extraVolumes(entries: string[], cwd: string): ServiceVolumeSpec[] {
  return entries.map((e) => {
    let v: Record<string, unknown>;
    try {
      v = parseVolumeSpec(e);
    } catch (err) {
      throw usage('-v', err);
    }
    const vol = v as unknown as ServiceVolumeSpec;
    if (vol.type === 'bind' && vol.source && !isAbsolute(vol.source)) vol.source = resolve(cwd, vol.source);
    return vol;
  });
}

/** The command line's overrides, parsed: every usage error comes before anything is loaded or started. */
export interface RunOverrides {
  flags: RunFlags;
  env: Record<string, string>;
  labels: Record<string, string>;
  ports: PortSpec[];
  volumes: ServiceVolumeSpec[];
  entrypoint?: string[];
}

export function parseRunFlags(flags: RunFlags, cwd: string): RunOverrides {
  const ports: PortSpec[] = [];
  for (const p of flags.publish) {
    try {
      ports.push(...parsePortSpec(p));
    } catch (err) {
      throw usage('--publish', err);
    }
  }
  const out: RunOverrides = {
    flags,
    env: Object.fromEntries(flags.env.map((e) => keyValue('-e', e))),
    labels: Object.fromEntries(flags.labels.map((l) => keyValue('-l', l))),
    ports,
    volumes: extraVolumes(flags.volumes, cwd),
  };
  if (flags.entrypoint !== undefined) out.entrypoint = shellSplit(flags.entrypoint);
  return out;
}

/** The service's definition as the one-off runs it. */
export function oneOffSpec(svc: ServiceSpec, o: RunOverrides): ServiceSpec {
  const { flags } = o;
  const spec: ServiceSpec = { ...svc };
  if (flags.command.length > 0) spec.command = flags.command;
  if (o.entrypoint !== undefined) spec.entrypoint = o.entrypoint;
  if (flags.env.length > 0) spec.environment = { ...svc.environment, ...o.env };
  if (flags.labels.length > 0) spec.labels = { ...svc.labels, ...o.labels };
  spec.ports = [...(flags.servicePorts ? svc.ports : []), ...o.ports];
  if (o.volumes.length > 0) spec.volumes = [...(svc.volumes ?? []), ...o.volumes];
  if (flags.user !== undefined) spec.user = flags.user;
  if (flags.workdir !== undefined) spec.working_dir = flags.workdir;
  spec.tty = flags.tty;
  spec.stdin_open = flags.stdin;
  // Run once: the engine must not start it again, nor Fizz's loop.
  delete spec.restart;
  if (spec.deploy?.restart_policy) {
    const { restart_policy: _, ...deploy } = spec.deploy;
    spec.deploy = deploy;
  }
  // The service's own container holds its fixed addresses and its name.
  delete spec.container_name;
  if (spec.networks) {
    spec.networks = Object.fromEntries(
      Object.entries(spec.networks).map(([k, n]) => [
        k,
        n ? { ...(n.aliases ? { aliases: n.aliases } : {}) } : n,
      ]),
    ) as ServiceSpec['networks'];
  }
  return spec;
}

/** `shop-web-run-3f2a9c1b7d4e`, as docker compose names a one-off. */
export function oneOffName(project: string, service: string, random: string): string {
  return `${project}-${service}-run-${random}`;
}

/** The create request of the one-off of `service`, made by agent `nodeId`. */
export function oneOffRequest(
  project: ProjectSpec,
  service: string,
  spec: ServiceSpec,
  opts: { name: string; nodeId: string; autoRemove: boolean },
): CreateRequest {
  // No alias: `web` keeps naming the service's containers, not this one.
  const networks = serviceNetworks(project, service).map((n) => ({ name: n.name, aliases: [], key: n.key }));
  const volumeNames = serviceVolumeNames(project, spec);
  // A `-v name:/path` naming no project volume is the engine volume of that name, as with docker run.
  for (const v of spec.volumes ?? [])
    if (v.type === 'volume' && v.source && !Object.hasOwn(project.volumes, v.source))
      volumeNames[v.source] = v.source;
  return {
    slot: { project: project.name, service, replica: 0 },
    name: opts.name,
    spec,
    specHash: '',
    networks,
    volumeNames,
    labels: { [LABELS.node]: opts.nodeId },
    oneOff: { autoRemove: opts.autoRemove },
  };
}

/** The services `service` depends on directly; `up` of them brings up theirs. */
export function runDependencies(project: ProjectSpec, service: string): string[] {
  return Object.keys(project.services[service]?.depends_on ?? {}).filter((d) =>
    Object.hasOwn(project.services, d),
  );
}
