/**
 * The normalized compose project: the canonical compose model (long syntax everywhere),
 * as plain JSON so it can be hashed, stored in the CRDT and sent over the wire.
 *
 * Conventions (the same as the compose-go conformance data's canonical form):
 * - durations are integer nanoseconds; byte sizes are integer bytes; `cpus` is a number;
 * - `command`, `entrypoint`, `healthcheck.test` are lists of strings (a string healthcheck
 *   test becomes `['CMD-SHELL', s]`);
 * - ports are one entry per port, `published` a string, `mode` 'ingress', `protocol` 'tcp';
 * - paths (bind sources, build context, env_file, secret/config files) are absolute;
 * - user-keyed maps keep exactly the user's keys; absent optional fields are left out.
 *
 * This file is the contract between the loader (src/compose), the CRDT (which stores it as
 * opaque JSON), placement, reconcile and the runtime. Add fields; do not rename them.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** `x-*` keys, carried through untouched. */
export type Extensions = { [key: `x-${string}`]: JsonValue };

export interface ProjectSpec {
  name: string;
  /** Absolute path of the project directory. */
  workingDir?: string;
  services: Record<string, ServiceSpec>;
  networks: Record<string, NetworkSpec>;
  volumes: Record<string, VolumeSpec>;
  secrets: Record<string, SecretSpec>;
  configs: Record<string, ConfigSpec>;
  /** Top-level `x-*` keys. */
  extensions?: Record<string, JsonValue>;
}

export interface ServiceSpec {
  image?: string;
  build?: BuildSpec;
  command?: string[] | null;
  entrypoint?: string[] | null;
  environment: Record<string, string | null>;
  env_file?: Array<{ path: string; required: boolean; format?: string }>;
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  ports: PortSpec[];
  expose?: string[];
  volumes: ServiceVolumeSpec[];
  tmpfs?: string[];
  networks: Record<string, ServiceNetworkSpec | null>;
  network_mode?: string;
  depends_on: Record<string, DependsOnSpec>;
  healthcheck?: HealthcheckSpec;
  restart?: 'no' | 'always' | 'on-failure' | 'unless-stopped' | string;
  user?: string;
  working_dir?: string;
  hostname?: string;
  domainname?: string;
  container_name?: string;
  stop_signal?: string;
  /** nanoseconds */
  stop_grace_period?: number;
  init?: boolean;
  privileged?: boolean;
  read_only?: boolean;
  tty?: boolean;
  stdin_open?: boolean;
  cap_add?: string[];
  cap_drop?: string[];
  dns?: string[];
  dns_search?: string[];
  extra_hosts?: Record<string, string[]>;
  ulimits?: Record<string, number | { soft: number; hard: number }>;
  sysctls?: Record<string, string>;
  /** bytes */
  mem_limit?: number;
  /** bytes */
  shm_size?: number;
  cpus?: number;
  pids_limit?: number;
  /** Replica count from `scale:`; `deploy.replicas` wins when both are given. */
  scale?: number;
  deploy?: DeploySpec;
  profiles?: string[];
  secrets?: ServiceFileRef[];
  configs?: ServiceFileRef[];
  pull_policy?: string;
  platform?: string;
  logging?: { driver?: string; options?: Record<string, string> };
  /** Fizz placement hints (`x-fizz` on the service), carried through. */
  'x-fizz'?: JsonValue;
  /** Any other `x-*` keys of the service. */
  [extension: `x-${string}`]: JsonValue | undefined;
}

export interface BuildSpec {
  context: string;
  dockerfile?: string;
  dockerfile_inline?: string;
  args?: Record<string, string | null>;
  labels?: Record<string, string>;
  target?: string;
  [key: string]: JsonValue | undefined;
}

export interface PortSpec {
  mode: 'ingress' | 'host' | string;
  host_ip?: string;
  target: number;
  /** A single port or a range, as a string (docker compose config prints it so). */
  published?: string;
  protocol: 'tcp' | 'udp' | 'sctp' | string;
  name?: string;
  app_protocol?: string;
}

export interface ServiceVolumeSpec {
  type: 'bind' | 'volume' | 'tmpfs' | 'npipe' | 'cluster' | 'image';
  /** Absolute host path for binds; the project-level volume key for volumes. */
  source?: string;
  target: string;
  read_only?: boolean;
  consistency?: string;
  bind?: { propagation?: string; create_host_path?: boolean; selinux?: string };
  volume?: { nocopy?: boolean; subpath?: string };
  /** tmpfs size in bytes, mode as an integer. */
  tmpfs?: { size?: number; mode?: number };
  image?: { subpath?: string };
}

export interface ServiceNetworkSpec {
  aliases?: string[];
  ipv4_address?: string;
  ipv6_address?: string;
  mac_address?: string;
  priority?: number;
}

export interface DependsOnSpec {
  condition: 'service_started' | 'service_healthy' | 'service_completed_successfully';
  required: boolean;
  restart?: boolean;
}

export interface HealthcheckSpec {
  test?: string[];
  /** nanoseconds */
  interval?: number;
  /** nanoseconds */
  timeout?: number;
  retries?: number;
  /** nanoseconds */
  start_period?: number;
  /** nanoseconds */
  start_interval?: number;
  disable?: boolean;
}

export interface DeploySpec {
  mode?: 'replicated' | 'global' | string;
  replicas?: number;
  labels?: Record<string, string>;
  resources?: {
    limits?: { cpus?: number; memory?: number; pids?: number };
    reservations?: { cpus?: number; memory?: number };
  };
  restart_policy?: { condition?: string; delay?: number; max_attempts?: number; window?: number };
  placement?: {
    constraints?: string[];
    preferences?: Array<{ spread: string }>;
    max_replicas_per_node?: number;
  };
  endpoint_mode?: string;
  [key: string]: JsonValue | undefined;
}

export interface ServiceFileRef {
  source: string;
  target?: string;
  uid?: string;
  gid?: string;
  /** integer file mode */
  mode?: number;
}

export interface NetworkSpec {
  /** The engine-level name, `<project>_<key>` unless given. */
  name: string;
  driver?: string;
  driver_opts?: Record<string, string>;
  ipam?: {
    driver?: string;
    config?: Array<{
      subnet?: string;
      ip_range?: string;
      gateway?: string;
      aux_addresses?: Record<string, string>;
    }>;
  };
  external?: boolean;
  internal?: boolean;
  attachable?: boolean;
  enable_ipv6?: boolean;
  labels?: Record<string, string>;
  [extension: `x-${string}`]: JsonValue | undefined;
}

export interface VolumeSpec {
  /** The engine-level name, `<project>_<key>` unless given. */
  name: string;
  driver?: string;
  driver_opts?: Record<string, string>;
  external?: boolean;
  labels?: Record<string, string>;
  [extension: `x-${string}`]: JsonValue | undefined;
}

export interface SecretSpec {
  name: string;
  file?: string;
  environment?: string;
  content?: string;
  external?: boolean;
  labels?: Record<string, string>;
  [extension: `x-${string}`]: JsonValue | undefined;
}

export type ConfigSpec = SecretSpec;

/** How many replicas a service wants: deploy.replicas, then scale, then 1. */
export function desiredReplicas(service: ServiceSpec): number {
  return service.deploy?.replicas ?? service.scale ?? 1;
}
