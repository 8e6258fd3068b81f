/**
 * A service's `build:` section in engine terms (what `Runtime.buildImage` takes), with the
 * image name docker compose gives it and `fizz build`'s overrides. Pure.
 */

import type { BuildSpec, ServiceSpec } from '../compose/types.js';
import { parseByteSize } from '../compose/units.js';
import { serviceImage } from '../runtime/image-name.js';
import type { BuildImageRequest } from '../runtime/image-types.js';

export interface BuildOverrides {
  noCache?: boolean;
  pull?: boolean;
  /** `--build-arg K=V`, over the file's args. */
  args?: Record<string, string>;
}

/** Keys of `build:` the classic builder of this engine has no use for: named in a warning. */
const UNSUPPORTED = [
  'ssh',
  'secrets',
  'additional_contexts',
  'cache_to',
  'platforms',
  'isolation',
  'privileged',
  'ulimits',
  'entitlements',
  'provenance',
  'sbom',
];

export function unsupportedBuildKeys(build: BuildSpec): string[] {
  return UNSUPPORTED.filter((k) => build[k] !== undefined);
}

function strings(v: unknown): string[] | undefined {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : undefined;
}

/** `extra_hosts` as the loader keeps it (`{host: [ip…]}`), or a list, as `host:ip` entries. */
function extraHosts(v: unknown): string[] | undefined {
  if (Array.isArray(v)) return strings(v);
  if (v && typeof v === 'object')
    return Object.keys(v)
      .sort()
      .flatMap((host) => {
        const ips = (v as Record<string, unknown>)[host];
        return (Array.isArray(ips) ? ips : [ips]).map((ip) => `${host}:${String(ip)}`);
      });
  return undefined;
}

export function buildRequest(
  project: string,
  service: string,
  spec: ServiceSpec,
  overrides: BuildOverrides = {},
): BuildImageRequest {
  const b = spec.build!;
  const image = serviceImage(project, service, spec);
  const tags = [image, ...(strings(b.tags) ?? []).filter((t) => t !== image)];
  const req: BuildImageRequest = { context: b.context, tags };
  if (typeof b.dockerfile_inline === 'string') req.dockerfileInline = b.dockerfile_inline;
  else if (typeof b.dockerfile === 'string') req.dockerfile = b.dockerfile;
  const args: Record<string, string> = {};
  for (const [k, v] of Object.entries(b.args ?? {})) if (v !== null && v !== undefined) args[k] = v;
  Object.assign(args, overrides.args);
  if (Object.keys(args).length) req.args = args;
  if (typeof b.target === 'string' && b.target) req.target = b.target;
  if (b.labels && Object.keys(b.labels).length) req.labels = { ...b.labels };
  if (typeof b.network === 'string' && b.network) req.network = b.network;
  const hosts = extraHosts(b.extra_hosts);
  if (hosts?.length) req.extraHosts = hosts;
  if (b.shm_size !== undefined && b.shm_size !== null) req.shmSize = parseByteSize(b.shm_size);
  if (overrides.noCache || b.no_cache === true) req.noCache = true;
  if (overrides.pull || b.pull === true) req.pull = true;
  const cacheFrom = strings(b.cache_from);
  if (cacheFrom?.length) req.cacheFrom = cacheFrom;
  return req;
}
