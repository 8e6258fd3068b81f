/**
 * The compose-spec merge rules, for several `-f` files and for `extends`: mappings merge
 * key by key, scalars are overridden, most sequences are appended, some are keyed (ports,
 * volumes, secrets... replace the entry with the same key), and command, entrypoint and
 * healthcheck.test are replaced. `!reset` removes a value, `!override` replaces it whole.
 * Works on canonical data (see canonical.ts). Linear in the size of both inputs.
 */
import { isDict } from './canonical.js';
import { defineKey, OverrideTag, ResetTag } from './yaml-source.js';

type Dict = Record<string, unknown>;

const SECTIONS = new Set(['services', 'networks', 'volumes', 'secrets', 'configs', 'models']);
/** Service keys whose values are maps keyed by user names. */
const USER_MAPS = new Set([
  'environment',
  'labels',
  'annotations',
  'sysctls',
  'storage_opt',
  'extra_hosts',
  'depends_on',
  'networks',
  'ulimits',
  'driver_opts',
  'args',
  'options',
  'models',
]);
const REPLACED = new Set(['services.*.command', 'services.*.entrypoint', 'services.*.healthcheck.test']);

const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));

const KEYED: Record<string, (item: unknown) => string> = {
  'services.*.ports': (p) =>
    isDict(p)
      ? `${str(p.host_ip)}:${str(p.published)}:${str(p.target)}/${str(p.protocol ?? 'tcp')}/${str(p.mode)}`
      : str(p),
  'services.*.volumes': (v) => (isDict(v) ? str(v.target) : str(v)),
  'services.*.secrets': (v) => (isDict(v) ? str(v.target ?? `/run/secrets/${str(v.source)}`) : str(v)),
  'services.*.configs': (v) => (isDict(v) ? str(v.target ?? `/${str(v.source)}`) : str(v)),
  'services.*.env_file': (v) => (isDict(v) ? str(v.path) : str(v)),
  'services.*.devices': (v) => (isDict(v) ? str(v.target ?? v.source) : (str(v).split(':')[1] ?? str(v))),
};
const UNIQUE = new Set([
  'services.*.expose',
  'services.*.dns',
  'services.*.dns_opt',
  'services.*.dns_search',
  'services.*.cap_add',
  'services.*.cap_drop',
  'services.*.profiles',
  'services.*.tmpfs',
  'services.*.links',
  'services.*.label_file',
  'services.*.networks.*.aliases',
  'services.*.build.tags',
  'services.*.build.platforms',
]);

/**
 * Removes `!reset` values and unwraps `!override` ones, recursively. Returns the same object
 * when there is nothing to change (no copy), so untagged trees cost one walk and no garbage.
 */
export function stripTags(v: unknown): unknown {
  if (v instanceof OverrideTag) return stripTags(v.value);
  if (v instanceof ResetTag) return undefined;
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      const y = x instanceof ResetTag ? undefined : stripTags(x);
      if (out === undefined && (y !== x || x instanceof ResetTag)) out = v.slice(0, i);
      if (out !== undefined && !(x instanceof ResetTag)) out.push(y);
    }
    return out ?? v;
  }
  if (isDict(v)) {
    let out: Dict | undefined;
    const keys = Object.keys(v);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const x = v[k];
      const y = x instanceof ResetTag ? undefined : stripTags(x);
      if (out === undefined && (y !== x || x instanceof ResetTag)) {
        out = {};
        for (let j = 0; j < i; j++) defineKey(out, keys[j]!, v[keys[j]!]);
      }
      if (out !== undefined && !(x instanceof ResetTag)) defineKey(out, k, y);
    }
    return out ?? v;
  }
  return v;
}

function childPattern(pattern: string, key: string): string {
  const parent = pattern.split('.');
  const last = parent[parent.length - 1];
  if (pattern === '' && SECTIONS.has(key)) return key;
  if (pattern !== '' && parent.length === 1 && SECTIONS.has(pattern)) return `${pattern}.*`;
  if (last !== undefined && USER_MAPS.has(last) && last !== '*') return `${pattern}.*`;
  return pattern === '' ? key : `${pattern}.${key}`;
}

/** Merges `override` onto `base` following the rules at `pattern` (e.g. `services.*`). */
export function mergeValue(base: unknown, override: unknown, pattern = ''): unknown {
  if (override instanceof ResetTag) return undefined;
  if (override instanceof OverrideTag) return stripTags(override.value);
  if (base === undefined) return stripTags(override);
  if (isDict(base) && isDict(override)) {
    if (
      pattern === 'services.*.logging' &&
      base.driver !== undefined &&
      override.driver !== undefined &&
      base.driver !== override.driver
    )
      return stripTags(override);
    const out: Dict = { ...base };
    for (const [k, v] of Object.entries(override)) {
      const merged = mergeValue(out[k], v, childPattern(pattern, k));
      if (merged === undefined) delete out[k];
      else defineKey(out, k, merged);
    }
    return out;
  }
  if (Array.isArray(base) && Array.isArray(override)) {
    if (REPLACED.has(pattern)) return stripTags(override);
    const keyOf = KEYED[pattern] ?? (UNIQUE.has(pattern) ? (v: unknown) => JSON.stringify(v) : undefined);
    if (!keyOf) return [...base, ...(stripTags(override) as unknown[])];
    const out = [...base];
    const index = new Map<string, number>();
    out.forEach((item, i) => {
      index.set(keyOf(item), i);
    });
    for (const item of override) {
      if (item instanceof ResetTag) continue;
      const k = keyOf(item);
      const at = index.get(k);
      if (at === undefined) {
        index.set(k, out.length);
        out.push(stripTags(item));
      } else out[at] = mergeValue(out[at], item, `${pattern}.*`);
    }
    return out;
  }
  return stripTags(override);
}

/** Merges whole files' data (canonical form), later files overriding earlier ones. */
export function mergeFiles(files: Dict[]): Dict {
  let out: Dict = {};
  for (const f of files) out = mergeValue(out, f) as Dict;
  return out;
}
