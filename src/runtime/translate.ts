/**
 * From a service and a create request to the Docker Engine's container-create body, and
 * the networks to connect after create. Pure: the one place that knows how compose keys
 * map to engine fields, tested with tables.
 */
import type { HealthcheckSpec, ServiceSpec, ServiceVolumeSpec } from '../compose/types.js';
import { serviceImage } from './image-name.js';
import { type ExtraHostConfig, extraHostConfig } from './translate-extra.js';
import { type CreateRequest, LABELS } from './types.js';

export interface EndpointConfig {
  Aliases?: string[];
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string };
  MacAddress?: string;
}

export interface MountBody {
  Type: 'bind' | 'volume' | 'tmpfs';
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
  Consistency?: string;
  BindOptions?: { Propagation?: string; CreateMountpoint?: boolean };
  VolumeOptions?: { NoCopy?: boolean; Subpath?: string };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
}

export interface HostConfigBody extends ExtraHostConfig {
  AutoRemove?: boolean;
  Binds?: string[];
  Mounts?: MountBody[];
  Tmpfs?: Record<string, string>;
  PortBindings?: Record<string, Array<{ HostIp: string; HostPort: string }>>;
  RestartPolicy?: { Name: string; MaximumRetryCount?: number };
  Init?: boolean;
  Privileged?: boolean;
  ReadonlyRootfs?: boolean;
  CapAdd?: string[];
  CapDrop?: string[];
  Dns?: string[];
  DnsSearch?: string[];
  ExtraHosts?: string[];
  Sysctls?: Record<string, string>;
  Ulimits?: Array<{ Name: string; Soft: number; Hard: number }>;
  ShmSize?: number;
  Memory?: number;
  NanoCpus?: number;
  PidsLimit?: number;
  LogConfig?: { Type: string; Config: Record<string, string> };
  NetworkMode?: string;
}

export interface CreateBody {
  Image: string;
  Cmd?: string[];
  Entrypoint?: string[];
  Env: string[];
  Labels: Record<string, string>;
  User?: string;
  WorkingDir?: string;
  Hostname?: string;
  Domainname?: string;
  Tty?: boolean;
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  StopSignal?: string;
  /** seconds */
  StopTimeout?: number;
  ExposedPorts?: Record<string, Record<string, never>>;
  Healthcheck?: {
    Test: string[];
    Interval?: number;
    Timeout?: number;
    Retries?: number;
    StartPeriod?: number;
    StartInterval?: number;
  };
  HostConfig: HostConfigBody;
  NetworkingConfig?: { EndpointsConfig: Record<string, EndpointConfig> };
}

export interface Translation {
  /** The container name, passed as the `name` query parameter. */
  name: string;
  body: CreateBody;
  /** Networks beyond the first: the engine joins one network at create, these come after. */
  connect: Array<{ network: string; endpoint: EndpointConfig }>;
}

/** The labels a slot's container carries: the service's own, compose's, Fizz's, then the request's. */
export function containerLabels(req: CreateRequest): Record<string, string> {
  if (req.oneOff)
    return {
      ...req.spec.labels,
      [LABELS.composeProject]: req.slot.project,
      [LABELS.composeService]: req.slot.service,
      [LABELS.composeOneoff]: 'True',
      [LABELS.project]: req.slot.project,
      [LABELS.service]: req.slot.service,
      [LABELS.oneoff]: 'True',
      ...req.labels,
    };
  return {
    ...req.spec.labels,
    [LABELS.composeProject]: req.slot.project,
    [LABELS.composeService]: req.slot.service,
    [LABELS.composeNumber]: String(req.slot.replica + 1),
    [LABELS.project]: req.slot.project,
    [LABELS.service]: req.slot.service,
    [LABELS.slot]: String(req.slot.replica),
    [LABELS.specHash]: req.specHash,
    ...req.labels,
  };
}

function env(spec: ServiceSpec): string[] {
  return Object.keys(spec.environment ?? {})
    .sort()
    .flatMap((k) => {
      const v = spec.environment[k];
      // A null value means "from the host environment"; the loader resolved what it could.
      return v === null || v === undefined ? [] : [`${k}=${v}`];
    });
}

/** `80`, `80/udp`, `8000-8010/tcp` as the engine keys them. */
function portKey(target: number | string, protocol?: string): string {
  return `${target}/${protocol || 'tcp'}`;
}

function ports(spec: ServiceSpec): Pick<CreateBody, 'ExposedPorts'> & Pick<HostConfigBody, 'PortBindings'> {
  const exposed: Record<string, Record<string, never>> = {};
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const e of spec.expose ?? []) {
    const [port, proto] = e.split('/');
    exposed[portKey(port!, proto)] = {};
  }
  for (const p of spec.ports ?? []) {
    const key = portKey(p.target, p.protocol);
    exposed[key] = {};
    const list = bindings[key] ?? [];
    list.push({ HostIp: p.host_ip ?? '', HostPort: p.published ?? '' });
    bindings[key] = list;
  }
  return {
    ...(Object.keys(exposed).length ? { ExposedPorts: exposed } : {}),
    ...(Object.keys(bindings).length ? { PortBindings: bindings } : {}),
  };
}

/** Nanoseconds, as the engine wants them; undefined stays undefined. */
function ns(v: number | undefined): number | undefined {
  return v === undefined ? undefined : Math.round(v);
}

export function healthcheck(h: HealthcheckSpec | undefined): CreateBody['Healthcheck'] | undefined {
  if (!h) return undefined;
  if (h.disable) return { Test: ['NONE'] };
  const out: NonNullable<CreateBody['Healthcheck']> = { Test: h.test ?? [] };
  const set = <K extends keyof typeof out>(k: K, v: (typeof out)[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set('Interval', ns(h.interval));
  set('Timeout', ns(h.timeout));
  set('Retries', h.retries);
  set('StartPeriod', ns(h.start_period));
  set('StartInterval', ns(h.start_interval));
  return out;
}

/** `restart:` wins; else `deploy.restart_policy` (any → always, none → no). */
export function restartPolicy(spec: ServiceSpec): HostConfigBody['RestartPolicy'] | undefined {
  if (spec.restart) {
    const [name, max] = spec.restart.split(':');
    return max === undefined ? { Name: name! } : { Name: name!, MaximumRetryCount: Number(max) };
  }
  const rp = spec.deploy?.restart_policy;
  if (!rp?.condition) return undefined;
  const name = rp.condition === 'any' ? 'always' : rp.condition === 'none' ? 'no' : rp.condition;
  return rp.max_attempts === undefined ? { Name: name } : { Name: name, MaximumRetryCount: rp.max_attempts };
}

function mounts(
  spec: ServiceSpec,
  volumeNames: Record<string, string>,
): Pick<HostConfigBody, 'Binds' | 'Mounts'> {
  const binds: string[] = [];
  const list: MountBody[] = [];
  for (const v of spec.volumes ?? []) {
    const m = mount(v, volumeNames);
    if (typeof m === 'string') binds.push(m);
    else if (m) list.push(m);
  }
  return { ...(binds.length ? { Binds: binds } : {}), ...(list.length ? { Mounts: list } : {}) };
}

/**
 * A bind whose host path may be created (compose's default) goes into `Binds`, which
 * creates a missing directory as docker compose does; everything else is a `Mount`.
 */
function mount(v: ServiceVolumeSpec, volumeNames: Record<string, string>): string | MountBody | undefined {
  const ro = v.read_only ? { ReadOnly: true } : {};
  switch (v.type) {
    case 'bind': {
      if (v.bind?.create_host_path !== false && !v.bind?.selinux) {
        const opts = [v.read_only ? 'ro' : '', v.bind?.propagation ?? ''].filter(Boolean).join(',');
        return `${v.source}:${v.target}${opts ? `:${opts}` : ''}`;
      }
      const bindOpts = v.bind?.propagation ? { BindOptions: { Propagation: v.bind.propagation } } : {};
      return { Type: 'bind', Source: v.source!, Target: v.target, ...ro, ...bindOpts };
    }
    case 'volume': {
      const source = v.source ? { Source: volumeNames[v.source] ?? v.source } : {};
      const opts: MountBody['VolumeOptions'] = {};
      if (v.volume?.nocopy) opts.NoCopy = true;
      if (v.volume?.subpath) opts.Subpath = v.volume.subpath;
      return {
        Type: 'volume',
        ...source,
        Target: v.target,
        ...ro,
        ...(Object.keys(opts).length ? { VolumeOptions: opts } : {}),
      };
    }
    case 'tmpfs': {
      const opts: MountBody['TmpfsOptions'] = {};
      if (v.tmpfs?.size !== undefined) opts.SizeBytes = v.tmpfs.size;
      if (v.tmpfs?.mode !== undefined) opts.Mode = v.tmpfs.mode;
      return {
        Type: 'tmpfs',
        Target: v.target,
        ...ro,
        ...(Object.keys(opts).length ? { TmpfsOptions: opts } : {}),
      };
    }
    default:
      // npipe, cluster and image mounts do not exist on a Linux engine of API 1.41.
      return undefined;
  }
}

function tmpfs(spec: ServiceSpec): Record<string, string> | undefined {
  if (!spec.tmpfs?.length) return undefined;
  const out: Record<string, string> = {};
  for (const t of spec.tmpfs) {
    const i = t.indexOf(':');
    if (i < 0) out[t] = '';
    else out[t.slice(0, i)] = t.slice(i + 1);
  }
  return out;
}

function ulimits(spec: ServiceSpec): HostConfigBody['Ulimits'] {
  if (!spec.ulimits) return undefined;
  return Object.keys(spec.ulimits)
    .sort()
    .map((name) => {
      const u = spec.ulimits![name]!;
      return typeof u === 'number'
        ? { Name: name, Soft: u, Hard: u }
        : { Name: name, Soft: u.soft, Hard: u.hard };
    });
}

function extraHosts(spec: ServiceSpec): string[] | undefined {
  if (!spec.extra_hosts) return undefined;
  return Object.keys(spec.extra_hosts)
    .sort()
    .flatMap((host) => spec.extra_hosts![host]!.map((ip) => `${host}:${ip}`));
}

function endpoint(spec: ServiceSpec, net: CreateRequest['networks'][number]): EndpointConfig {
  const s = net.key ? spec.networks?.[net.key] : undefined;
  const out: EndpointConfig = {};
  if (net.aliases.length) out.Aliases = [...net.aliases];
  const ipam: NonNullable<EndpointConfig['IPAMConfig']> = {};
  if (s?.ipv4_address) ipam.IPv4Address = s.ipv4_address;
  if (s?.ipv6_address) ipam.IPv6Address = s.ipv6_address;
  if (Object.keys(ipam).length) out.IPAMConfig = ipam;
  if (s?.mac_address) out.MacAddress = s.mac_address;
  return out;
}

/** `service:x` of compose means "the network stack of x's first container". */
function networkMode(req: CreateRequest): string | undefined {
  const mode = req.spec.network_mode;
  if (mode?.startsWith('service:'))
    return `container:${req.networkContainer ?? `${req.slot.project}-${mode.slice(8)}-1`}`;
  return mode;
}

/** Drops keys whose value is undefined, so the body shows only what the service sets. */
function compact<T extends object>(o: T): T {
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] === undefined) delete o[k];
  return o;
}

export function translate(req: CreateRequest): Translation {
  const spec = req.spec;
  const { ExposedPorts, PortBindings } = ports(spec);
  const limits = spec.deploy?.resources?.limits;
  const memory = spec.mem_limit ?? limits?.memory;
  const cpus = spec.cpus ?? limits?.cpus;
  const mode = networkMode(req);
  const [first, ...rest] = mode ? [] : req.networks;

  const host: HostConfigBody = compact({
    ...mounts(spec, req.volumeNames),
    Tmpfs: tmpfs(spec),
    PortBindings,
    RestartPolicy: restartPolicy(spec),
    Init: spec.init,
    Privileged: spec.privileged,
    ReadonlyRootfs: spec.read_only,
    CapAdd: spec.cap_add,
    CapDrop: spec.cap_drop,
    Dns: spec.dns,
    DnsSearch: spec.dns_search,
    ExtraHosts: extraHosts(spec),
    Sysctls: spec.sysctls,
    Ulimits: ulimits(spec),
    ShmSize: spec.shm_size,
    Memory: memory,
    NanoCpus: cpus === undefined ? undefined : Math.round(cpus * 1e9),
    PidsLimit: spec.pids_limit ?? limits?.pids,
    LogConfig: spec.logging?.driver
      ? { Type: spec.logging.driver, Config: spec.logging.options ?? {} }
      : undefined,
    NetworkMode: mode ?? first?.name,
    AutoRemove: req.oneOff?.autoRemove || undefined,
    ...extraHostConfig(spec, req.slot.project),
  });

  const body: CreateBody = compact({
    Image: serviceImage(req.slot.project, req.slot.service, spec),
    Cmd: spec.command ?? undefined,
    Entrypoint: spec.entrypoint ?? undefined,
    Env: env(spec),
    Labels: containerLabels(req),
    User: spec.user,
    WorkingDir: spec.working_dir,
    Hostname: spec.hostname,
    Domainname: spec.domainname,
    Tty: spec.tty,
    OpenStdin: spec.stdin_open,
    // `fizz run`: the command reads end of file once the client closes its input.
    StdinOnce: req.oneOff && spec.stdin_open ? true : undefined,
    StopSignal: spec.stop_signal,
    StopTimeout: spec.stop_grace_period === undefined ? undefined : Math.ceil(spec.stop_grace_period / 1e9),
    ExposedPorts,
    Healthcheck: healthcheck(spec.healthcheck),
    HostConfig: host,
    NetworkingConfig: first ? { EndpointsConfig: { [first.name]: endpoint(spec, first) } } : undefined,
  });

  return {
    name: req.name,
    body,
    connect: rest.map((n) => ({ network: n.name, endpoint: endpoint(spec, n) })),
  };
}
