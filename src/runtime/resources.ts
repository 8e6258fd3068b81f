/**
 * A project's networks and named volumes: which engine names a service joins and mounts,
 * and creating or removing them. Compose semantics: a service with no `networks:` joins the
 * project's `default` network; external networks and volumes are used, never made or removed.
 */
import type { ProjectSpec, ServiceSpec } from '../compose/types.js';
import { LABELS, type Runtime } from './types.js';

export function defaultNetworkName(project: string): string {
  return `${project}_default`;
}

/** Engine network names (with aliases) a service's containers join. */
export function serviceNetworks(
  project: ProjectSpec,
  service: string,
): Array<{ name: string; aliases: string[]; key: string }> {
  const svc = project.services[service]!;
  if (svc.network_mode) return [];
  const keys = Object.keys(svc.networks ?? {});
  if (keys.length === 0)
    return [
      {
        name: project.networks.default?.name ?? defaultNetworkName(project.name),
        aliases: [service],
        key: 'default',
      },
    ];
  return keys.map((key) => ({
    name:
      project.networks[key]?.name ??
      (key === 'default' ? defaultNetworkName(project.name) : `${project.name}_${key}`),
    aliases: [service, ...(svc.networks[key]?.aliases ?? [])],
    key,
  }));
}

/** Project volume key → engine volume name, for the keys a service mounts. */
export function serviceVolumeNames(project: ProjectSpec, svc: ServiceSpec): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of svc.volumes ?? []) {
    if (v.type !== 'volume' || !v.source) continue;
    out[v.source] = project.volumes[v.source]?.name ?? `${project.name}_${v.source}`;
  }
  return out;
}

interface Needed {
  networks: Array<{ name: string; driver?: string; labels: Record<string, string> }>;
  volumes: Array<{ name: string; driver?: string; labels: Record<string, string> }>;
}

/** The networks and volumes a project's services use that Fizz must create. */
export function neededResources(project: ProjectSpec): Needed {
  const networks = new Map<string, Needed['networks'][number]>();
  const volumes = new Map<string, Needed['volumes'][number]>();
  const labels = (own?: Record<string, string>) => ({
    ...own,
    [LABELS.project]: project.name,
    [LABELS.composeProject]: project.name,
  });
  for (const svc of Object.values(project.services)) {
    const keys = Object.keys(svc.networks ?? {});
    for (const key of svc.network_mode ? [] : keys.length ? keys : ['default']) {
      const spec = project.networks[key];
      if (spec?.external) continue;
      const engineName =
        spec?.name ?? (key === 'default' ? defaultNetworkName(project.name) : `${project.name}_${key}`);
      const entry: Needed['networks'][number] = { name: engineName, labels: labels(spec?.labels) };
      if (spec?.driver) entry.driver = spec.driver;
      networks.set(engineName, entry);
    }
    for (const key of Object.keys(serviceVolumeNames(project, svc))) {
      const spec = project.volumes[key];
      if (spec?.external) continue;
      const engineName = spec?.name ?? `${project.name}_${key}`;
      const entry: Needed['volumes'][number] = { name: engineName, labels: labels(spec?.labels) };
      if (spec?.driver) entry.driver = spec.driver;
      volumes.set(engineName, entry);
    }
  }
  return { networks: [...networks.values()], volumes: [...volumes.values()] };
}

/** Creates what is missing; `made` remembers what this agent already ensured. */
export async function ensureResources(
  runtime: Runtime,
  project: ProjectSpec,
  made: Set<string>,
  onCreate: (kind: 'network' | 'volume', name: string) => void,
  /** Labels them `fizz.node`, so `down` of another agent's same-named project leaves them. */
  node?: string,
): Promise<void> {
  const need = neededResources(project);
  if (node !== undefined)
    for (const r of [...need.networks, ...need.volumes]) r.labels = { ...r.labels, [LABELS.node]: node };
  await Promise.all([
    ...need.networks
      .filter((n) => !made.has(`network:${n.name}`))
      .map(async (n) => {
        const opts: { project: string; driver?: string; labels: Record<string, string> } = {
          project: project.name,
          labels: n.labels,
        };
        if (n.driver) opts.driver = n.driver;
        await runtime.ensureNetwork(n.name, opts);
        made.add(`network:${n.name}`);
        onCreate('network', n.name);
      }),
    ...need.volumes
      .filter((v) => !made.has(`volume:${v.name}`))
      .map(async (v) => {
        const opts: { project: string; driver?: string; labels: Record<string, string> } = {
          project: project.name,
          labels: v.labels,
        };
        if (v.driver) opts.driver = v.driver;
        await runtime.ensureVolume(v.name, opts);
        made.add(`volume:${v.name}`);
        onCreate('volume', v.name);
      }),
  ]);
}
