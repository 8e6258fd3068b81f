/**
 * Relative paths of a service or resource made absolute against a base directory: build
 * context, env_file, label_file, bind sources, extends.file, secret/config files. Used for
 * files of another directory (extends, include) and for normalization of the project.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import { isDict } from './canonical.js';
import { isPathLike } from './volumes-short.js';

type Dict = Record<string, unknown>;

const REMOTE = /^(https?:\/\/|git@|git:\/\/|ssh:\/\/|github\.com\/)/;

export interface PathContext {
  /** The directory relative paths are relative to. */
  base: string;
  /** For `~`. */
  home?: string;
  /** When set, results are made relative to this directory instead of absolute. */
  relativeTo?: string;
}

export function resolvePath(p: string, ctx: PathContext): string {
  // Not resolving: a path relative to the working directory stays as written.
  if (ctx.relativeTo !== undefined && ctx.relativeTo === ctx.base && !isAbsolute(p) && !p.startsWith('~'))
    return p;
  let abs: string;
  if (p === '~' || p.startsWith('~/')) abs = ctx.home ? resolve(ctx.home, p.slice(2)) : p;
  else if (isAbsolute(p)) abs = p;
  else abs = resolve(ctx.base, p);
  if (ctx.relativeTo !== undefined && !p.startsWith('~')) return relative(ctx.relativeTo, abs) || '.';
  return abs;
}

function contextPath(p: unknown, ctx: PathContext): unknown {
  if (typeof p !== 'string' || REMOTE.test(p) || /^[a-z]+:\/\//i.test(p)) return p;
  return resolvePath(p, ctx);
}

/** A copy of a canonical service with its relative paths resolved. */
export function resolveServicePaths(svc: Dict, ctx: PathContext): Dict {
  const s: Dict = { ...svc };
  if (isDict(s.build) && s.build.context !== undefined)
    s.build = { ...s.build, context: contextPath(s.build.context, ctx) };
  else if (isDict(s.build) && s.build.context === undefined)
    s.build = { ...s.build, context: resolvePath('.', ctx) };
  if (isDict(s.build) && isDict(s.build.additional_contexts)) {
    const ac: Dict = {};
    for (const [k, v] of Object.entries(s.build.additional_contexts)) ac[k] = contextPath(v, ctx);
    s.build = { ...s.build, additional_contexts: ac };
  }
  if (Array.isArray(s.env_file))
    s.env_file = s.env_file.map((e) =>
      isDict(e) && typeof e.path === 'string' ? { ...e, path: resolvePath(e.path, ctx) } : e,
    );
  if (Array.isArray(s.label_file))
    s.label_file = s.label_file.map((f) => (typeof f === 'string' ? resolvePath(f, ctx) : f));
  if (Array.isArray(s.volumes))
    s.volumes = s.volumes.map((v) => {
      if (!isDict(v) || typeof v.source !== 'string') return v;
      if (v.type === 'bind' || (v.type === undefined && isPathLike(v.source)))
        return { ...v, source: resolvePath(v.source, ctx) };
      return v;
    });
  if (isDict(s.extends) && typeof s.extends.file === 'string')
    s.extends = { ...s.extends, file: resolvePath(s.extends.file, ctx) };
  return s;
}

/** A copy of a top-level secret/config with its `file` resolved. */
export function resolveResourcePaths(r: unknown, ctx: PathContext): unknown {
  if (!isDict(r) || typeof r.file !== 'string') return r;
  return { ...r, file: resolvePath(r.file, ctx) };
}

/** Resolves the paths of a whole canonical file's data. */
export function resolveFilePaths(data: Dict, ctx: PathContext): Dict {
  const out: Dict = { ...data };
  if (isDict(out.services)) {
    const services: Dict = {};
    for (const [k, v] of Object.entries(out.services))
      services[k] = isDict(v) ? resolveServicePaths(v, ctx) : v;
    out.services = services;
  }
  for (const section of ['secrets', 'configs']) {
    if (!isDict(out[section])) continue;
    const m: Dict = {};
    for (const [k, v] of Object.entries(out[section] as Dict)) m[k] = resolveResourcePaths(v, ctx);
    out[section] = m;
  }
  return out;
}
