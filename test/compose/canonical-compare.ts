/**
 * Comparison in the canonical form of the compose-go conformance data: in fixed-field objects
 * an absent field equals its zero value; maps keyed by user names must have exactly the keys.
 */

const USER_MAPS = new Set([
  'services',
  'environment',
  'labels',
  'annotations',
  'sysctls',
  'storage_opt',
  'driver_opts',
  'args',
  'networks',
  'depends_on',
  'ulimits',
  'extra_hosts',
  'volumes',
  'secrets',
  'configs',
  'options',
  'extensions',
  'aux_addresses',
  'additional_contexts',
]);

function isZero(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v).length === 0;
  return false;
}

/** `value` pruned of zero-valued fields (kept inside user-keyed maps), keys sorted. */
export function prune(value: unknown, parentKey = ''): unknown {
  if (parentKey === 'environment' && Array.isArray(value)) {
    // The list form of environment is the same map.
    const map: Record<string, string | null> = {};
    for (const item of value) {
      const s = String(item);
      const i = s.indexOf('=');
      if (i < 0) map[s] = null;
      else map[s.slice(0, i)] = s.slice(i + 1);
    }
    return prune(map, parentKey);
  }
  if (Array.isArray(value)) return value.map((v) => prune(v));
  if (value !== null && typeof value === 'object') {
    const userMap = USER_MAPS.has(parentKey) && !Array.isArray(value);
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = prune((value as Record<string, unknown>)[k], userMap ? '' : k);
      if (!userMap && isZero(v)) continue;
      out[k] = v === undefined ? null : v;
    }
    return out;
  }
  return value;
}

export function at(root: unknown, path: Array<string | number>): unknown {
  let v: unknown = root;
  for (const seg of path) {
    if (v === null || v === undefined || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

export function sizeOf(v: unknown): number {
  if (v === null || v === undefined) return 0;
  if (Array.isArray(v)) return v.length;
  if (typeof v === 'object') return Object.keys(v).length;
  if (typeof v === 'string') return v.length;
  return 0;
}

/** Replaces ${LOADER}, ${HOME}, ${TMP} placeholders in expected values. */
export function fillPlaceholders(value: unknown, vars: Record<string, string>): unknown {
  if (typeof value === 'string')
    return value.replace(/\$\{(LOADER|HOME|TMP)\}/g, (_m, k: string) => vars[k] ?? _m);
  if (Array.isArray(value)) return value.map((v) => fillPlaceholders(v, vars));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      out[fillPlaceholders(k, vars) as string] = fillPlaceholders(v, vars);
    return out;
  }
  return value;
}
