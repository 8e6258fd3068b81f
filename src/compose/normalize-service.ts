/**
 * One merged, canonical service to its `ServiceSpec`: values cast to their types, durations in
 * nanoseconds, sizes in bytes, commands as lists, paths absolute, environment as a map with
 * its env_files merged under it, the default network added. Errors go to `Issues` with the
 * key path; normalization goes on so that every error of the project is reported.
 */
import { isDict, listOrDictToMap, scalarString } from './canonical.js';
import { toBool, toInt, toNumber } from './cast.js';
import { ComposeError, ComposeValueError } from './errors.js';
import type { Issues } from './issues.js';
import { didYouMean } from './levenshtein.js';
import { type PathContext, resolveServicePaths } from './paths.js';
import { shellSplit } from './shell-split.js';
import type { ServiceSpec } from './types.js';
import { parseByteSize, parseDuration } from './units.js';
import type { Segment } from './yaml-source.js';

type Dict = Record<string, unknown>;

export interface ServiceContext {
  issues: Issues;
  paths: PathContext;
  env: Record<string, string>;
  /** Adds the implicit `default` network and build defaults (compose-go's normalization). */
  normalize: boolean;
}

const DURATIONS = ['interval', 'timeout', 'start_period', 'start_interval'];

const RESTART_POLICIES = ['no', 'always', 'on-failure', 'unless-stopped'];

/** `restart:` as docker accepts it: no, always, on-failure[:N], unless-stopped. */
export function checkRestart(value: unknown): void {
  if (typeof value !== 'string') return; // the schema reports the type
  if (RESTART_POLICIES.includes(value) || /^on-failure:\d+$/.test(value)) return;
  throw new ComposeValueError(`invalid restart policy ${JSON.stringify(value)}`, {
    expected: 'one of no, always, on-failure[:N], unless-stopped',
    suggestion: didYouMean(value.split(':')[0]!, RESTART_POLICIES),
  });
}

export function normalizeService(name: string, input: Dict, ctx: ServiceContext): ServiceSpec {
  const base: Segment[] = ['services', name];
  const guard = <T>(key: Segment[], fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof ComposeError)) throw err;
      ctx.issues.add(err, [...base, ...key]);
      return undefined;
    }
  };
  const s = resolveServicePaths(input, ctx.paths) as Dict;
  const out: Dict = { ...s };
  const setIf = (key: string, value: unknown) => {
    if (value === undefined) delete out[key];
    else out[key] = value;
  };

  for (const key of ['command', 'entrypoint']) {
    if (!Object.hasOwn(s, key)) continue;
    const v = s[key];
    setIf(
      key,
      v === null
        ? null
        : guard([key], () => (Array.isArray(v) ? v.map(scalarString) : shellSplit(scalarString(v)))),
    );
  }
  if (s.restart !== undefined) guard(['restart'], () => checkRestart(s.restart));
  out.environment = isDict(s.environment) ? { ...(s.environment as Dict) } : {};
  out.labels = isDict(s.labels) ? s.labels : {};
  out.ports = Array.isArray(s.ports)
    ? s.ports.map((p, i) => guard(['ports', i], () => port(p))).filter(Boolean)
    : [];
  out.volumes = Array.isArray(s.volumes)
    ? s.volumes.map((v, i) => guard(['volumes', i], () => volume(v))).filter(Boolean)
    : [];
  const networks = isDict(s.networks) ? { ...s.networks } : {};
  if (Object.keys(networks).length === 0 && s.network_mode === undefined && ctx.normalize)
    networks.default = null;
  for (const [k, v] of Object.entries(networks)) networks[k] = isDict(v) ? v : null;
  out.networks = networks;
  out.depends_on = dependsOn(s, ctx, guard);
  if (isDict(s.healthcheck)) {
    const h: Dict = { ...s.healthcheck };
    if (typeof h.test === 'string') h.test = ['CMD-SHELL', h.test];
    else if (Array.isArray(h.test)) h.test = h.test.map(scalarString);
    for (const d of DURATIONS)
      if (h[d] !== undefined) h[d] = guard(['healthcheck', d], () => parseDuration(h[d]));
    if (h.retries !== undefined) h.retries = guard(['healthcheck', 'retries'], () => toInt(h.retries));
    if (h.disable !== undefined) h.disable = guard(['healthcheck', 'disable'], () => toBool(h.disable));
    out.healthcheck = h;
  }
  if (s.stop_grace_period !== undefined)
    setIf(
      'stop_grace_period',
      guard(['stop_grace_period'], () => parseDuration(s.stop_grace_period)),
    );
  for (const k of ['mem_limit', 'mem_reservation', 'memswap_limit', 'shm_size'])
    if (s[k] !== undefined)
      setIf(
        k,
        guard([k], () => (s[k] === -1 || s[k] === '-1' ? -1 : parseByteSize(s[k]))),
      );
  for (const k of ['cpus'])
    if (s[k] !== undefined)
      setIf(
        k,
        guard([k], () => toNumber(s[k])),
      );
  for (const k of [
    'pids_limit',
    'scale',
    'cpu_shares',
    'cpu_count',
    'cpu_percent',
    'oom_score_adj',
    'mem_swappiness',
  ])
    if (s[k] !== undefined)
      setIf(
        k,
        guard([k], () => toInt(s[k])),
      );
  for (const k of ['init', 'privileged', 'read_only', 'tty', 'stdin_open', 'oom_kill_disable'])
    if (s[k] !== undefined)
      setIf(
        k,
        guard([k], () => toBool(s[k])),
      );
  if (s.expose !== undefined) out.expose = (s.expose as unknown[]).map(scalarString);
  if (isDict(s.ulimits)) {
    const u: Dict = {};
    for (const [k, v] of Object.entries(s.ulimits))
      u[k] = guard(['ulimits', k], () =>
        isDict(v) ? { soft: toInt(v.soft), hard: toInt(v.hard) } : toInt(v),
      );
    out.ulimits = u;
  }
  for (const key of ['secrets', 'configs'])
    if (Array.isArray(s[key]))
      out[key] = (s[key] as unknown[]).map((r, i) =>
        isDict(r) && r.mode !== undefined
          ? {
              ...r,
              mode: guard([key, i, 'mode'], () =>
                typeof r.mode === 'string' ? Number.parseInt(r.mode, 8) : toInt(r.mode),
              ),
            }
          : r,
      );
  if (isDict(s.deploy)) out.deploy = deploy(s.deploy, guard);
  if (isDict(s.build)) {
    const b: Dict = { ...s.build };
    if (b.args !== undefined) {
      // A build arg without a value takes it from the environment, or is dropped.
      const args: Record<string, string | null> = {};
      for (const [k, v] of Object.entries(listOrDictToMap(b.args))) {
        if (v !== null) args[k] = v;
        else if (Object.hasOwn(ctx.env, k)) args[k] = ctx.env[k]!;
      }
      b.args = args;
    }
    if (ctx.normalize && b.dockerfile === undefined && b.dockerfile_inline === undefined)
      b.dockerfile = 'Dockerfile';
    out.build = b;
  }
  if (ctx.normalize && typeof s.image === 'string')
    for (const hook of ['pre_start', 'post_start', 'pre_stop'])
      if (Array.isArray(s[hook]))
        out[hook] = (s[hook] as unknown[]).map((h) =>
          isDict(h) && h.image === undefined ? { ...h, image: s.image } : h,
        );
  if (isDict(s.logging) && isDict(s.logging.options))
    out.logging = { ...s.logging, options: s.logging.options };
  return out as unknown as ServiceSpec;
}

function port(p: unknown): Dict {
  if (!isDict(p)) throw new ComposeValueError(`invalid port ${JSON.stringify(p)}`);
  const out: Dict = {
    ...p,
    mode: p.mode ?? 'ingress',
    protocol: p.protocol ?? 'tcp',
    target: toInt(p.target),
  };
  const t = out.target as number;
  if (t < 1 || t > 65535) throw new ComposeValueError(`invalid port ${t}`, { expected: 'a port 1-65535' });
  if (p.published !== undefined && p.published !== null && p.published !== '') {
    const pub = scalarString(p.published);
    const m = /^(\d+)(?:-(\d+))?$/.exec(pub);
    if (
      !m ||
      Number(m[1]) > 65535 ||
      (m[2] !== undefined && (Number(m[2]) > 65535 || Number(m[2]) < Number(m[1])))
    )
      throw new ComposeValueError(`invalid published port ${JSON.stringify(pub)}`, {
        expected: 'a port 0-65535 or a range START-END',
      });
    out.published = pub;
  } else delete out.published;
  return out;
}

function volume(v: unknown): Dict {
  if (!isDict(v)) throw new ComposeValueError(`invalid volume ${JSON.stringify(v)}`);
  const out: Dict = { ...v };
  if (out.read_only !== undefined) out.read_only = toBool(out.read_only);
  if (isDict(v.tmpfs)) {
    const t: Dict = { ...v.tmpfs };
    if (t.size !== undefined) t.size = parseByteSize(t.size);
    if (t.mode !== undefined)
      t.mode = typeof t.mode === 'string' ? Number.parseInt(t.mode, 8) : toInt(t.mode);
    out.tmpfs = t;
  }
  if (isDict(v.bind))
    out.bind = {
      ...v.bind,
      create_host_path: v.bind.create_host_path === undefined ? true : toBool(v.bind.create_host_path),
    };
  return out;
}

type Guard = <T>(key: Segment[], fn: () => T) => T | undefined;

function dependsOn(s: Dict, _ctx: ServiceContext, guard: Guard): Dict {
  const out: Dict = {};
  if (isDict(s.depends_on))
    for (const [k, d] of Object.entries(s.depends_on)) {
      const dep: Dict = isDict(d) ? { ...d } : {};
      dep.condition ??= 'service_started';
      dep.required =
        dep.required === undefined ? true : guard(['depends_on', k, 'required'], () => toBool(dep.required));
      if (dep.restart !== undefined)
        dep.restart = guard(['depends_on', k, 'restart'], () => toBool(dep.restart));
      out[k] = dep;
    }
  return out;
}

function deploy(d: Dict, guard: Guard): Dict {
  const out: Dict = { ...d };
  const at = (...k: Segment[]): Segment[] => ['deploy', ...k];
  if (d.replicas !== undefined) out.replicas = guard(at('replicas'), () => toInt(d.replicas));
  if (isDict(d.resources)) {
    const r: Dict = { ...d.resources };
    for (const kind of ['limits', 'reservations']) {
      if (!isDict(r[kind])) continue;
      const l: Dict = { ...(r[kind] as Dict) };
      if (l.cpus !== undefined) l.cpus = guard(at('resources', kind, 'cpus'), () => toNumber(l.cpus));
      if (l.memory !== undefined)
        l.memory = guard(at('resources', kind, 'memory'), () => parseByteSize(l.memory));
      if (l.pids !== undefined) l.pids = guard(at('resources', kind, 'pids'), () => toInt(l.pids));
      r[kind] = l;
    }
    out.resources = r;
  }
  if (isDict(d.restart_policy)) {
    const p: Dict = { ...d.restart_policy };
    for (const k of ['delay', 'window'])
      if (p[k] !== undefined) p[k] = guard(at('restart_policy', k), () => parseDuration(p[k]));
    if (p.max_attempts !== undefined)
      p.max_attempts = guard(at('restart_policy', 'max_attempts'), () => toInt(p.max_attempts));
    out.restart_policy = p;
  }
  for (const cfg of ['update_config', 'rollback_config']) {
    if (!isDict(d[cfg])) continue;
    const c: Dict = { ...(d[cfg] as Dict) };
    for (const k of ['delay', 'monitor'])
      if (c[k] !== undefined) c[k] = guard(at(cfg, k), () => parseDuration(c[k]));
    if (c.parallelism !== undefined)
      c.parallelism = guard(at(cfg, 'parallelism'), () => toInt(c.parallelism));
    if (c.max_failure_ratio !== undefined)
      c.max_failure_ratio = guard(at(cfg, 'max_failure_ratio'), () => toNumber(c.max_failure_ratio));
    out[cfg] = c;
  }
  if (isDict(d.placement) && d.placement.max_replicas_per_node !== undefined)
    out.placement = {
      ...d.placement,
      max_replicas_per_node: guard(at('placement', 'max_replicas_per_node'), () =>
        toInt((d.placement as Dict).max_replicas_per_node),
      ),
    };
  return out;
}
