/**
 * The project in the shape `docker compose config` prints: the canonical compose model, keys
 * in compose-go's order (config-order.ts: struct fields in declaration order, map keys
 * sorted; the JSON top level sorted), empty collections left out, top-level `x-*` keys back at
 * the top level, no working directory. Pure; the CLI turns it into YAML or JSON.
 */
import { FILE_OBJECT, mapInStructOrder, NETWORK, SERVICE, VOLUME } from './config-order.js';
import type { JsonValue, ProjectSpec, ServiceSpec } from './types.js';
import { formatDuration } from './units.js';

type Json = JsonValue | undefined;

function isEmpty(v: unknown): boolean {
  if (Array.isArray(v)) return v.length === 0;
  if (v !== null && typeof v === 'object') return Object.keys(v).length === 0;
  return v === undefined;
}

/** Sorted keys, `undefined` and (optionally) empty collections dropped; nulls in maps kept. */
function canonical(value: unknown, dropEmpty: boolean): Json {
  if (Array.isArray(value)) return value.map((v) => canonical(v, dropEmpty) ?? null);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v === undefined || (dropEmpty && isEmpty(v))) continue;
      out[k] = canonical(v, dropEmpty) ?? null;
    }
    return out;
  }
  return value as Json;
}

const SECTION_ORDER = { networks: NETWORK, volumes: VOLUME, secrets: FILE_OBJECT, configs: FILE_OBJECT };

/**
 * The model `docker compose config --format <format>` prints. YAML: name, services, networks,
 * volumes, secrets, configs, then `x-*` (compose-go's Project struct); JSON: the same keys
 * sorted (compose-go builds a map there). The content is the same for both.
 */
export function composeConfigModel(
  project: ProjectSpec,
  format: 'yaml' | 'json' = 'yaml',
): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = { name: project.name };
  const services: Record<string, unknown> = {};
  for (const [name, svc] of Object.entries(project.services))
    services[name] = withSizeStrings(withDurationStrings(svc) as Record<string, unknown>);
  out.services = mapInStructOrder(canonical(services, true) ?? {}, SERVICE) as JsonValue;
  for (const section of ['networks', 'volumes', 'secrets', 'configs'] as const) {
    const v = project[section];
    if (!isEmpty(v))
      out[section] = mapInStructOrder(canonical(v, true) ?? {}, SECTION_ORDER[section]) as JsonValue;
  }
  for (const [k, v] of Object.entries(project.extensions ?? {})) out[k] = canonical(v, false) ?? null;
  if (format === 'yaml') return out;
  const sorted: Record<string, JsonValue> = {};
  for (const k of Object.keys(out).sort()) sorted[k] = out[k]!;
  return sorted;
}

/** Every profile named by any service, sorted. */
export function profilesOf(project: ProjectSpec): string[] {
  const set = new Set<string>();
  for (const s of Object.values(project.services)) for (const p of s.profiles ?? []) set.add(p);
  return [...set].sort();
}

/** The image each service runs: its `image`, or `<project>-<service>` when it is built. */
export function imagesOf(project: ProjectSpec): string[] {
  return Object.entries(project.services)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, s]) => s.image ?? `${project.name}-${name}`);
}

const fmt = (v: unknown) => (typeof v === 'number' ? formatDuration(v) : v);

/** Durations printed as Go duration strings, as `docker compose config` does. */
function withDurationStrings(svc: ServiceSpec): unknown {
  const s: Record<string, unknown> = { ...svc };
  if (svc.stop_grace_period !== undefined) s.stop_grace_period = fmt(svc.stop_grace_period);
  if (svc.healthcheck) {
    const h: Record<string, unknown> = { ...svc.healthcheck };
    for (const k of ['interval', 'timeout', 'start_period', 'start_interval'])
      if (h[k] !== undefined) h[k] = fmt(h[k]);
    s.healthcheck = h;
  }
  if (svc.deploy) {
    const d: Record<string, unknown> = { ...svc.deploy };
    const rp = svc.deploy.restart_policy;
    if (rp) d.restart_policy = { ...rp, delay: fmt(rp.delay), window: fmt(rp.window) };
    for (const k of ['update_config', 'rollback_config']) {
      const c = d[k] as Record<string, unknown> | undefined;
      if (c) d[k] = { ...c, delay: fmt(c.delay), monitor: fmt(c.monitor) };
    }
    s.deploy = d;
  }
  return s;
}

const str = (v: unknown) => (typeof v === 'number' ? String(v) : v);
const SERVICE_SIZES = ['mem_limit', 'mem_reservation', 'memswap_limit', 'shm_size'];

/**
 * Byte sizes printed as strings of bytes, as `docker compose config` prints them (compose-go's
 * UnitBytes); the schema only accepts a string for `deploy.resources.*.memory`, so a number
 * there would not read back.
 */
function withSizeStrings(s: Record<string, unknown>): unknown {
  const out: Record<string, unknown> = { ...s };
  for (const k of SERVICE_SIZES) if (out[k] !== undefined) out[k] = str(out[k]);
  const build = out.build as Record<string, unknown> | undefined;
  if (build?.shm_size !== undefined) out.build = { ...build, shm_size: str(build.shm_size) };
  const deploy = out.deploy as Record<string, unknown> | undefined;
  const resources = deploy?.resources as Record<string, Record<string, unknown> | undefined> | undefined;
  if (deploy && resources) {
    const r: Record<string, unknown> = { ...resources };
    for (const k of ['limits', 'reservations'])
      if (resources[k]?.memory !== undefined) r[k] = { ...resources[k], memory: str(resources[k].memory) };
    out.deploy = { ...deploy, resources: r };
  }
  if (Array.isArray(out.volumes))
    out.volumes = out.volumes.map((v: Record<string, unknown>) => {
      const t = v.tmpfs as Record<string, unknown> | undefined;
      return t?.size !== undefined ? { ...v, tmpfs: { ...t, size: str(t.size) } } : v;
    });
  return out;
}
