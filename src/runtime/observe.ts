/** From the engine's container list entries and inspect data to `ContainerInfo`. Pure. */
import type { ContainerInfo, ContainerState, HealthState, PublishedPort } from './types.js';

/** The fields of a `GET /containers/json` entry that Fizz reads. */
export interface ListEntry {
  Id: string;
  Names?: string[];
  Image: string;
  ImageID?: string;
  Labels?: Record<string, string> | null;
  State?: string;
  Status?: string;
  Command?: string;
  Created?: number;
  Ports?: Array<{ IP?: string; PrivatePort: number; PublicPort?: number; Type: string }>;
  NetworkSettings?: { Networks?: Record<string, { IPAddress?: string }> | null } | null;
}

/** The fields of a `GET /containers/{id}/json` answer that Fizz reads. */
export interface InspectData {
  Id: string;
  Name?: string;
  Created?: string;
  /** The image's id. */
  Image?: string;
  Path?: string;
  Args?: string[];
  RestartCount?: number;
  Config?: { Image?: string; Labels?: Record<string, string> | null; Tty?: boolean };
  State?: {
    Status?: string;
    ExitCode?: number;
    StartedAt?: string;
    Running?: boolean;
    Health?: { Status?: string };
  };
  NetworkSettings?: { Ports?: Record<string, Array<{ HostIp?: string; HostPort?: string }> | null> | null };
}

const STATES = new Set<ContainerState>([
  'created',
  'running',
  'paused',
  'restarting',
  'removing',
  'exited',
  'dead',
]);

export function toState(s: string | undefined): ContainerState {
  return s && STATES.has(s as ContainerState) ? (s as ContainerState) : 'dead';
}

export function toHealth(s: string | undefined): HealthState {
  return s === 'starting' || s === 'healthy' || s === 'unhealthy' ? s : 'none';
}

/** The list's Status text carries health and exit code: `Up 3 seconds (healthy)`, `Exited (137) 2 minutes ago`. */
export function parseStatus(status: string | undefined): { health: HealthState; exitCode?: number } {
  const s = status ?? '';
  const health: HealthState = /\(healthy\)/.test(s)
    ? 'healthy'
    : /\(unhealthy\)/.test(s)
      ? 'unhealthy'
      : /\(health: starting\)/.test(s)
        ? 'starting'
        : 'none';
  const m = /^Exited \((-?\d+)\)/.exec(s);
  return m ? { health, exitCode: Number(m[1]) } : { health };
}

function time(iso: string | undefined): number | undefined {
  if (!iso || iso.startsWith('0001-')) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
}

export function fromListEntry(e: ListEntry): ContainerInfo {
  const { health, exitCode } = parseStatus(e.Status);
  const ports: PublishedPort[] = (e.Ports ?? []).map((p) => ({
    target: p.PrivatePort,
    protocol: p.Type,
    ...(p.PublicPort === undefined ? {} : { published: p.PublicPort }),
    ...(p.IP ? { hostIp: p.IP } : {}),
  }));
  const state = toState(e.State);
  const addresses: Record<string, string> = {};
  for (const [net, n] of Object.entries(e.NetworkSettings?.Networks ?? {}))
    if (n?.IPAddress) addresses[net] = n.IPAddress;
  return {
    id: e.Id,
    name: (e.Names?.[0] ?? '').replace(/^\//, ''),
    image: e.Image,
    ...(e.ImageID ? { imageId: e.ImageID } : {}),
    labels: e.Labels ?? {},
    state,
    health,
    ...(state === 'exited' && exitCode !== undefined ? { exitCode } : {}),
    createdAt: (e.Created ?? 0) * 1000,
    ports,
    ...(e.Command !== undefined ? { command: e.Command } : {}),
    ...(e.Status ? { status: e.Status } : {}),
    ...(Object.keys(addresses).length ? { addresses } : {}),
  };
}

export function fromInspect(d: InspectData): ContainerInfo {
  const state = toState(d.State?.Status);
  const ports: PublishedPort[] = [];
  for (const [key, bindings] of Object.entries(d.NetworkSettings?.Ports ?? {})) {
    const [target, protocol] = key.split('/');
    for (const b of bindings ?? [{}]) {
      ports.push({
        target: Number(target),
        protocol: protocol ?? 'tcp',
        ...(b.HostPort ? { published: Number(b.HostPort) } : {}),
        ...(b.HostIp ? { hostIp: b.HostIp } : {}),
      });
    }
  }
  const startedAt = state === 'running' ? time(d.State?.StartedAt) : undefined;
  return {
    id: d.Id,
    name: (d.Name ?? '').replace(/^\//, ''),
    image: d.Config?.Image ?? '',
    ...(d.Image ? { imageId: d.Image } : {}),
    labels: d.Config?.Labels ?? {},
    state,
    health: toHealth(d.State?.Health?.Status),
    ...(state === 'exited' || state === 'dead' ? { exitCode: d.State?.ExitCode ?? 0 } : {}),
    createdAt: time(d.Created) ?? 0,
    ...(startedAt === undefined ? {} : { startedAt }),
    ports: ports.sort((a, b) => a.target - b.target || (a.published ?? 0) - (b.published ?? 0)),
    ...(d.Path ? { command: [d.Path, ...(d.Args ?? [])].join(' ') } : {}),
    ...(typeof d.RestartCount === 'number' ? { restartCount: d.RestartCount } : {}),
  };
}
