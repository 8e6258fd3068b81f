/**
 * The key order `docker compose config` prints. docker compose v2 renders the project with
 * compose-go: YAML through `Project.MarshalYAML` (a YAML encoder over the Go structs: the
 * fields of a struct in their declaration order, the keys of a map sorted, `x-*` extensions
 * last), JSON through `Project.MarshalJSON` (the top level is a Go map, so its keys come out
 * sorted; below it the same structs, in field order). The field lists below follow the struct
 * declarations of compose-go's `types` package (types.go, build.go, healthcheck.go,
 * envfile.go, project.go). A key no list names comes after the named ones, sorted.
 */

type Dict = Record<string, unknown>;

interface Shape {
  /** The struct's fields, in declaration order. */
  fields: readonly string[];
  /** Fields holding another struct, a map of them or a list of them. */
  nested?: Readonly<Record<string, Nest>>;
}

type Nest = { struct: Shape } | { mapOf: Shape } | { listOf: Shape };

const FILE_REFERENCE: Shape = { fields: ['source', 'target', 'uid', 'gid', 'mode'] };
const ULIMIT: Shape = { fields: ['single', 'soft', 'hard'] };
const UPDATE: Shape = {
  fields: ['parallelism', 'delay', 'failure_action', 'monitor', 'max_failure_ratio', 'order'],
};
const RESOURCE: Shape = { fields: ['cpus', 'memory', 'pids', 'devices', 'generic_resources'] };

const BUILD: Shape = {
  fields: [
    'context',
    'dockerfile',
    'dockerfile_inline',
    'entitlements',
    'args',
    'provenance',
    'sbom',
    'ssh',
    'labels',
    'cache_from',
    'cache_to',
    'no_cache',
    'no_cache_filter',
    'additional_contexts',
    'pull',
    'extra_hosts',
    'isolation',
    'network',
    'target',
    'secrets',
    'shm_size',
    'tags',
    'ulimits',
    'platforms',
    'privileged',
  ],
  nested: { secrets: { listOf: FILE_REFERENCE }, ulimits: { mapOf: ULIMIT } },
};

const DEPLOY: Shape = {
  fields: [
    'mode',
    'replicas',
    'labels',
    'update_config',
    'rollback_config',
    'resources',
    'restart_policy',
    'placement',
    'endpoint_mode',
  ],
  nested: {
    update_config: { struct: UPDATE },
    rollback_config: { struct: UPDATE },
    resources: {
      struct: {
        fields: ['limits', 'reservations'],
        nested: { limits: { struct: RESOURCE }, reservations: { struct: RESOURCE } },
      },
    },
    restart_policy: { struct: { fields: ['condition', 'delay', 'max_attempts', 'window'] } },
    placement: { struct: { fields: ['constraints', 'preferences', 'max_replicas_per_node'] } },
  },
};

const SERVICE_VOLUME: Shape = {
  fields: ['type', 'source', 'target', 'read_only', 'consistency', 'bind', 'volume', 'tmpfs', 'image'],
  nested: {
    bind: { struct: { fields: ['selinux', 'propagation', 'create_host_path', 'recursive'] } },
    volume: { struct: { fields: ['labels', 'nocopy', 'subpath'] } },
    tmpfs: { struct: { fields: ['size', 'mode'] } },
    image: { struct: { fields: ['subpath'] } },
  },
};

export const SERVICE: Shape = {
  fields: [
    'profiles',
    'annotations',
    'attach',
    'build',
    'develop',
    'blkio_config',
    'cap_add',
    'cap_drop',
    'cgroup_parent',
    'cgroup',
    'cpu_count',
    'cpu_percent',
    'cpu_period',
    'cpu_quota',
    'cpu_rt_period',
    'cpu_rt_runtime',
    'cpus',
    'cpuset',
    'cpu_shares',
    'command',
    'configs',
    'container_name',
    'credential_spec',
    'depends_on',
    'deploy',
    'device_cgroup_rules',
    'devices',
    'dns',
    'dns_opt',
    'dns_search',
    'dockerfile',
    'domainname',
    'entrypoint',
    'provider',
    'environment',
    'env_file',
    'expose',
    'extends',
    'external_links',
    'extra_hosts',
    'group_add',
    'gpus',
    'hostname',
    'healthcheck',
    'image',
    'init',
    'ipc',
    'isolation',
    'labels',
    'label_file',
    'links',
    'logging',
    'log_driver',
    'log_opt',
    'mem_limit',
    'mem_reservation',
    'memswap_limit',
    'mem_swappiness',
    'mac_address',
    'models',
    'net',
    'network_mode',
    'networks',
    'oom_kill_disable',
    'oom_score_adj',
    'pid',
    'pids_limit',
    'platform',
    'ports',
    'privileged',
    'pull_policy',
    'read_only',
    'restart',
    'runtime',
    'scale',
    'secrets',
    'security_opt',
    'shm_size',
    'stdin_open',
    'stop_grace_period',
    'stop_signal',
    'storage_opt',
    'sysctls',
    'tmpfs',
    'tty',
    'ulimits',
    'use_api_socket',
    'user',
    'userns_mode',
    'uts',
    'volume_driver',
    'volumes',
    'volumes_from',
    'working_dir',
    'post_start',
    'pre_stop',
  ],
  nested: {
    build: { struct: BUILD },
    configs: { listOf: FILE_REFERENCE },
    credential_spec: { struct: { fields: ['config', 'file', 'registry'] } },
    depends_on: { mapOf: { fields: ['condition', 'restart', 'required'] } },
    deploy: { struct: DEPLOY },
    devices: { listOf: { fields: ['source', 'target', 'permissions'] } },
    env_file: { listOf: { fields: ['path', 'required', 'format'] } },
    extends: { struct: { fields: ['file', 'service'] } },
    healthcheck: {
      struct: {
        fields: ['test', 'timeout', 'interval', 'retries', 'start_period', 'start_interval', 'disable'],
      },
    },
    logging: { struct: { fields: ['driver', 'options'] } },
    networks: {
      mapOf: {
        fields: [
          'aliases',
          'driver_opts',
          'gw_priority',
          'interface_name',
          'ipv4_address',
          'ipv6_address',
          'link_local_ips',
          'mac_address',
          'priority',
        ],
      },
    },
    ports: {
      listOf: { fields: ['name', 'mode', 'host_ip', 'target', 'published', 'protocol', 'app_protocol'] },
    },
    secrets: { listOf: FILE_REFERENCE },
    ulimits: { mapOf: ULIMIT },
    volumes: { listOf: SERVICE_VOLUME },
  },
};

export const NETWORK: Shape = {
  fields: [
    'name',
    'driver',
    'driver_opts',
    'ipam',
    'external',
    'internal',
    'attachable',
    'labels',
    'enable_ipv4',
    'enable_ipv6',
  ],
  nested: {
    ipam: {
      struct: {
        fields: ['driver', 'config'],
        nested: { config: { listOf: { fields: ['subnet', 'gateway', 'ip_range', 'aux_addresses'] } } },
      },
    },
  },
};

export const VOLUME: Shape = { fields: ['name', 'driver', 'driver_opts', 'external', 'labels'] };

/** Secrets and configs (compose-go's FileObjectConfig). */
export const FILE_OBJECT: Shape = {
  fields: [
    'name',
    'file',
    'environment',
    'content',
    'external',
    'labels',
    'driver',
    'driver_opts',
    'template_driver',
  ],
};

/** Top level of the YAML output; the JSON output sorts it (a Go map there). */
export const PROJECT_FIELDS = ['name', 'services', 'networks', 'volumes', 'secrets', 'configs', 'models'];

/** Sets a key, `__proto__` included, as an own property. */
function put(obj: Dict, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

const isDict = (v: unknown): v is Dict => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `value` (keys already sorted) with the keys of `shape` first, in its order. */
export function inStructOrder(value: unknown, shape: Shape): unknown {
  if (!isDict(value)) return value;
  const out: Dict = {};
  for (const k of shape.fields) if (Object.hasOwn(value, k)) put(out, k, nested(value[k], shape.nested?.[k]));
  for (const k of Object.keys(value))
    if (!shape.fields.includes(k)) put(out, k, nested(value[k], shape.nested?.[k]));
  return out;
}

/** A map whose every value is a `shape`; the map's own keys keep their (sorted) order. */
export function mapInStructOrder(value: unknown, shape: Shape): unknown {
  if (!isDict(value)) return value;
  const out: Dict = {};
  for (const k of Object.keys(value)) put(out, k, inStructOrder(value[k], shape));
  return out;
}

function nested(value: unknown, nest: Nest | undefined): unknown {
  if (!nest) return value;
  if ('struct' in nest) return inStructOrder(value, nest.struct);
  if ('mapOf' in nest) return mapInStructOrder(value, nest.mapOf);
  return Array.isArray(value) ? value.map((v) => inStructOrder(v, nest.listOf)) : value;
}
