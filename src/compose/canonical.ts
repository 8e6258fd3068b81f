/**
 * Short syntax to long syntax, per file and before merging, so the merge can key list entries
 * (ports, volumes, secrets...) and maps (environment, labels) the same way whatever syntax
 * each file used. Values keep their YAML types here; casting happens in normalization.
 */
import { ComposeValueError } from './errors.js';
import type { Issues } from './issues.js';
import { parsePortSpec } from './ports.js';
import { parseVolumeSpec } from './volumes-short.js';
import { defineKey, OverrideTag, ResetTag, type Segment } from './yaml-source.js';

type Dict = Record<string, unknown>;

export const isDict = (v: unknown): v is Dict =>
  v !== null &&
  typeof v === 'object' &&
  !Array.isArray(v) &&
  !(v instanceof ResetTag) &&
  !(v instanceof OverrideTag);

/** Applies `fn` to a value, looking through `!reset`/`!override` markers. */
function mapTagged(v: unknown, fn: (x: unknown) => unknown): unknown {
  if (v instanceof ResetTag) return v;
  if (v instanceof OverrideTag) return new OverrideTag(fn(v.value));
  return fn(v);
}

export function scalarString(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** `[K=V, K]` or `{K: V}` → `{K: V|null}` (environment, build args). */
export function listOrDictToMap(v: unknown, sep = '=', nullForBare = true): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  if (Array.isArray(v)) {
    for (const item of v) {
      const s = scalarString(item);
      const i = s.indexOf(sep);
      if (i < 0) defineKey(out, s, nullForBare ? null : '');
      else defineKey(out, s.slice(0, i), s.slice(i + 1));
    }
  } else if (isDict(v)) {
    for (const [k, val] of Object.entries(v))
      defineKey(out, k, val === null ? (nullForBare ? null : '') : scalarString(val));
  }
  return out;
}

function toList(v: unknown): unknown[] {
  if (v === null || v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

function extraHosts(v: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const add = (host: string, ip: string) => {
    if (!Object.hasOwn(out, host)) defineKey(out, host, []);
    out[host]!.push(ip);
  };
  if (Array.isArray(v)) {
    for (const item of v) {
      const s = scalarString(item);
      const eq = s.indexOf('=');
      const i = eq >= 0 ? eq : s.indexOf(':');
      if (i < 0) add(s, '');
      else add(s.slice(0, i), s.slice(i + 1));
    }
  } else if (isDict(v)) {
    for (const [k, val] of Object.entries(v)) for (const ip of toList(val)) add(k, scalarString(ip));
  }
  return out;
}

function envFiles(v: unknown): Dict[] {
  return toList(v).map((e) =>
    isDict(e) ? { required: true, ...e } : { path: scalarString(e), required: true },
  );
}

function dependsOn(v: unknown): Dict {
  const out: Dict = {};
  if (Array.isArray(v))
    for (const s of v) defineKey(out, scalarString(s), { condition: 'service_started', required: true });
  else if (isDict(v))
    for (const [k, d] of Object.entries(v))
      defineKey(out, k, { condition: 'service_started', required: true, ...(isDict(d) ? d : {}) });
  return out;
}

function fileRefs(v: unknown): unknown[] {
  return toList(v).map((e) => (isDict(e) ? e : { source: scalarString(e) }));
}

function networksOf(v: unknown): Dict {
  if (Array.isArray(v)) {
    const out: Dict = {};
    for (const n of v) defineKey(out, scalarString(n), null);
    return out;
  }
  return isDict(v) ? v : {};
}

/** Canonical form of one service (in place on a copy). */
export function canonicalService(svc: Dict, path: Segment[], issues: Issues): Dict {
  const s: Dict = { ...svc };
  const conv = (key: string, fn: (v: unknown) => unknown) => {
    if (Object.hasOwn(s, key)) s[key] = mapTagged(s[key], fn);
  };
  conv('build', (b) => {
    const build: Dict = typeof b === 'string' ? { context: b } : isDict(b) ? { ...b } : {};
    if (build.args !== undefined) build.args = mapTagged(build.args, (a) => listOrDictToMap(a));
    if (build.labels !== undefined)
      build.labels = mapTagged(build.labels, (a) => listOrDictToMap(a, '=', false));
    if (build.extra_hosts !== undefined) build.extra_hosts = mapTagged(build.extra_hosts, extraHosts);
    if (build.ssh !== undefined)
      build.ssh = mapTagged(build.ssh, (list) =>
        isDict(list)
          ? Object.entries(list).map(([id, p]) => (p === null ? { id } : { id, path: scalarString(p) }))
          : toList(list).map((e) => {
              const t = scalarString(e);
              const i = t.indexOf('=');
              return i < 0 ? { id: t } : { id: t.slice(0, i), path: t.slice(i + 1) };
            }),
      );
    return build;
  });
  conv('depends_on', dependsOn);
  conv('env_file', envFiles);
  conv('label_file', toList);
  conv('environment', (e) => {
    const env = listOrDictToMap(e);
    Object.keys(env).forEach((k) => {
      if (k.endsWith(' ') || k.endsWith('\t'))
        issues.add(
          new ComposeValueError(`environment variable ${k} is declared with a trailing space`, {
            expected: 'KEY=VALUE without spaces around =',
          }),
          [...path, 'environment'],
        );
    });
    return env;
  });
  for (const k of ['labels', 'annotations', 'sysctls', 'storage_opt'])
    conv(k, (e) => listOrDictToMap(e, '=', false));
  conv('extra_hosts', extraHosts);
  conv('extends', (e) => (typeof e === 'string' ? { service: e } : e));
  conv('networks', networksOf);
  for (const k of ['dns', 'dns_search', 'tmpfs', 'dns_opt']) conv(k, toList);
  conv('expose', (e) => toList(e).map(scalarString));
  conv('secrets', fileRefs);
  conv('configs', fileRefs);
  conv('ports', (p) =>
    toList(p).flatMap((item, i): unknown[] => {
      if (isDict(item)) return [item];
      try {
        return parsePortSpec(scalarString(item));
      } catch (err) {
        issues.add(err as ComposeValueError, [...path, 'ports', i]);
        return [];
      }
    }),
  );
  conv('volumes', (vols) =>
    toList(vols).map((item, i) => {
      if (isDict(item)) return item;
      try {
        return parseVolumeSpec(scalarString(item));
      } catch (err) {
        issues.add(err as ComposeValueError, [...path, 'volumes', i]);
        return { type: 'volume', target: scalarString(item) };
      }
    }),
  );
  conv('deploy', (d) => {
    if (!isDict(d)) return d;
    const deploy = { ...d };
    if (deploy.labels !== undefined)
      deploy.labels = mapTagged(deploy.labels, (a) => listOrDictToMap(a, '=', false));
    return deploy;
  });
  conv('logging', (l) => {
    if (!isDict(l) || !isDict(l.options)) return l;
    return { ...l, options: listOrDictToMap(l.options, '=', false) };
  });
  return s;
}

/** Canonical form of a top-level network/volume/secret/config definition. */
export function canonicalResource(r: unknown): Dict {
  if (!isDict(r)) return {};
  const out: Dict = { ...r };
  if (out.labels !== undefined) out.labels = mapTagged(out.labels, (a) => listOrDictToMap(a, '=', false));
  if (out.driver_opts !== undefined)
    out.driver_opts = mapTagged(out.driver_opts, (a) => listOrDictToMap(a, '=', false));
  if (isDict(out.external)) {
    const name = out.external.name;
    out.external = true;
    if (name !== undefined && out.name === undefined) out.name = name;
  }
  return out;
}

/** Canonical form of a whole file's data. */
export function canonicalFile(data: Dict, issues: Issues): Dict {
  const out: Dict = { ...data };
  if (isDict(out.services)) {
    const services: Dict = {};
    for (const [name, svc] of Object.entries(out.services))
      defineKey(
        services,
        name,
        mapTagged(svc, (v) =>
          isDict(v) ? canonicalService(v, ['services', name], issues) : v === null ? {} : v,
        ),
      );
    out.services = services;
  }
  for (const section of ['networks', 'volumes', 'secrets', 'configs']) {
    if (!isDict(out[section])) continue;
    const m: Dict = {};
    for (const [name, r] of Object.entries(out[section] as Dict))
      defineKey(m, name, mapTagged(r, canonicalResource));
    out[section] = m;
  }
  return out;
}

export { ComposeValueError };
