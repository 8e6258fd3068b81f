/**
 * Compose keys the loader carries through without a typed field in `ServiceSpec`
 * (security_opt, devices, ipc, pid, memory and CPU tuning, …), read defensively: a value
 * of the wrong shape is left out rather than sent to the engine.
 */
import type { ServiceSpec } from '../compose/types.js';

export interface DeviceBody {
  PathOnHost: string;
  PathInContainer: string;
  CgroupPermissions: string;
}

export interface ExtraHostConfig {
  SecurityOpt?: string[];
  Devices?: DeviceBody[];
  DeviceCgroupRules?: string[];
  GroupAdd?: string[];
  IpcMode?: string;
  PidMode?: string;
  UsernsMode?: string;
  CgroupParent?: string;
  Runtime?: string;
  Isolation?: string;
  MemoryReservation?: number;
  MemorySwap?: number;
  MemorySwappiness?: number;
  CpuShares?: number;
  CpuQuota?: number;
  CpuPeriod?: number;
  CpusetCpus?: string;
  OomScoreAdj?: number;
  OomKillDisable?: boolean;
  StorageOpt?: Record<string, string>;
  VolumesFrom?: string[];
}

type Loose = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
const strList = (v: unknown): string[] | undefined =>
  Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' || typeof x === 'number')
    ? v.map(String)
    : undefined;

function strMap(v: unknown): Record<string, string> | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v))
    if (typeof x === 'string' || typeof x === 'number') out[k] = String(x);
  return Object.keys(out).length ? out : undefined;
}

/** `/dev/a`, `/dev/a:/dev/b`, `/dev/a:/dev/b:rw`, or `{ source, target, permissions }`. */
export function device(v: unknown): DeviceBody | undefined {
  if (typeof v === 'string') {
    const [host, inside, perms] = v.split(':');
    if (!host) return undefined;
    return { PathOnHost: host, PathInContainer: inside || host, CgroupPermissions: perms || 'rwm' };
  }
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const d = v as Loose;
    const host = str(d.source);
    if (!host) return undefined;
    return {
      PathOnHost: host,
      PathInContainer: str(d.target) ?? host,
      CgroupPermissions: str(d.permissions) ?? 'rwm',
    };
  }
  return undefined;
}

/** `service:x` (compose) names the first container of x; `container:y` names y itself. */
function volumesFrom(v: unknown, project: string): string[] | undefined {
  const list = strList(v);
  if (!list) return undefined;
  return list.map((entry) => {
    const [kind, ...rest] = entry.split(':');
    if (kind === 'container') return rest.join(':');
    if (kind === 'service') return [`${project}-${rest[0]}-1`, ...rest.slice(1)].join(':');
    return entry.includes(':') ? entry : `${project}-${entry}-1`;
  });
}

/** The engine fields of those keys; memswap_limit -1 ("unlimited") passes as -1, as the engine spells it. */
export function extraHostConfig(spec: ServiceSpec, project: string): ExtraHostConfig {
  const s = spec as unknown as Loose;
  const devices = Array.isArray(s.devices) ? s.devices.map(device).filter((d) => d !== undefined) : [];
  const out: ExtraHostConfig = {
    SecurityOpt: strList(s.security_opt),
    Devices: devices.length ? devices : undefined,
    DeviceCgroupRules: strList(s.device_cgroup_rules),
    GroupAdd: strList(s.group_add),
    IpcMode: str(s.ipc),
    PidMode: str(s.pid),
    UsernsMode: str(s.userns_mode),
    CgroupParent: str(s.cgroup_parent),
    Runtime: str(s.runtime),
    Isolation: str(s.isolation),
    MemoryReservation: num(s.mem_reservation),
    MemorySwap: num(s.memswap_limit),
    MemorySwappiness: num(s.mem_swappiness),
    CpuShares: num(s.cpu_shares),
    CpuQuota: num(s.cpu_quota),
    CpuPeriod: num(s.cpu_period),
    CpusetCpus: str(s.cpuset),
    OomScoreAdj: num(s.oom_score_adj),
    OomKillDisable: bool(s.oom_kill_disable),
    StorageOpt: strMap(s.storage_opt),
    VolumesFrom: volumesFrom(s.volumes_from, project),
  };
  for (const k of Object.keys(out) as Array<keyof ExtraHostConfig>) if (out[k] === undefined) delete out[k];
  return out;
}
