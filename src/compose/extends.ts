/**
 * `extends`: a service starts from another service of the same file or of another file,
 * recursively; the extending service's own keys merge on top (compose-spec merge rules).
 * Paths of a service from another file are resolved against that file's directory.
 * Cycles are rejected.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isDict } from './canonical.js';
import { ComposeCycleError, ComposeExtendsError } from './errors.js';
import type { LoadedFile } from './file-loader.js';
import type { Issues } from './issues.js';
import { didYouMean } from './levenshtein.js';
import { mergeValue, stripTags } from './merge.js';
import { resolveServicePaths } from './paths.js';
import { OverrideTag, ResetTag, type SourceFile } from './yaml-source.js';

type Dict = Record<string, unknown>;

export interface ExtendsContext {
  issues: Issues;
  home?: string;
  /** Loads another file through the per-file steps (cached by the caller). */
  loadFile(path: string): LoadedFile | undefined;
}

const unwrap = (v: unknown): unknown =>
  v instanceof OverrideTag ? v.value : v instanceof ResetTag ? undefined : v;

/**
 * Returns the services of `data` (a file at `file`) with every `extends` applied. A relative
 * `extends.file` is relative to `baseDir`: the project directory for the project's own and
 * included files, the file's directory for a file reached through `extends`.
 */
export function resolveExtends(
  data: Dict,
  file: string,
  source: SourceFile | undefined,
  ctx: ExtendsContext,
  baseDir: string = dirname(file),
): Dict {
  if (!isDict(data.services)) return data;
  const services = data.services;
  const done = new Map<string, unknown>();
  const out: Dict = {};
  for (const name of Object.keys(services)) {
    const r = resolveOne(services, name, file, source, ctx, [], done, baseDir);
    out[name] = r === undefined ? services[name] : r;
  }
  return { ...data, services: out };
}

function resolveOne(
  services: Dict,
  name: string,
  file: string,
  source: SourceFile | undefined,
  ctx: ExtendsContext,
  stack: string[],
  done: Map<string, unknown>,
  baseDir: string,
): unknown {
  if (done.has(name)) return done.get(name);
  const raw = services[name];
  const svc = unwrap(raw);
  if (!isDict(svc) || svc.extends === undefined) {
    done.set(name, raw);
    return raw;
  }
  const here = `${file}#${name}`;
  if (stack.includes(here)) {
    const chain = [...stack.slice(stack.indexOf(here)), here].map((s) => s.split('#')[1]).join(' -> ');
    ctx.issues.add(
      new ComposeCycleError(`extends cycle detected: ${chain}`),
      ['services', name, 'extends'],
      source,
    );
    return undefined;
  }
  const ext = unwrap(svc.extends);
  const target = isDict(ext) ? ext.service : undefined;
  if (typeof target !== 'string' || target === '') {
    ctx.issues.add(
      new ComposeExtendsError(`extends.${name}.service is required`, {
        expected: 'extends: {service: NAME}',
      }),
      ['services', name, 'extends'],
      source,
    );
    return undefined;
  }
  const { extends: _drop, ...own } = svc;
  let base: unknown;
  if (isDict(ext) && typeof ext.file === 'string') {
    const other = resolve(baseDir, ext.file);
    if (!existsSync(other)) {
      ctx.issues.add(
        new ComposeExtendsError(`cannot extend service "${target}" of ${other}: no such file`, {
          expected: 'extends.file naming an existing compose file',
        }),
        ['services', name, 'extends', 'file'],
        source,
      );
      return undefined;
    }
    const loaded = ctx.loadFile(other);
    if (!loaded) return undefined;
    const otherServices = isDict(loaded.data.services) ? loaded.data.services : {};
    if (!Object.hasOwn(otherServices, target)) {
      ctx.issues.add(
        new ComposeExtendsError(`cannot extend service "${target}" of ${other}: no such service`, {
          expected: `a service defined in ${other}`,
          suggestion: didYouMean(target, Object.keys(otherServices)),
        }),
        ['services', name, 'extends', 'service'],
        source,
      );
      return undefined;
    }
    const resolved = resolveOne(
      otherServices,
      target,
      other,
      loaded.source,
      ctx,
      [...stack, here],
      new Map(),
      dirname(other),
    );
    if (resolved === undefined) return undefined;
    const plain = stripTags(resolved);
    base = isDict(plain) ? resolveServicePaths(plain, { base: dirname(other), home: ctx.home }) : {};
  } else {
    if (!Object.hasOwn(services, target)) {
      ctx.issues.add(
        new ComposeExtendsError(`cannot extend service "${target}": no such service in this file`, {
          expected: 'a service defined in this file, or extends.file',
          suggestion: didYouMean(target, Object.keys(services)),
        }),
        ['services', name, 'extends', 'service'],
        source,
      );
      return undefined;
    }
    const resolved = resolveOne(services, target, file, source, ctx, [...stack, here], done, baseDir);
    if (resolved === undefined) return undefined;
    base = stripTags(resolved) ?? {};
  }
  const merged = mergeValue(isDict(base) ? base : {}, own, 'services.*');
  const result = raw instanceof OverrideTag ? new OverrideTag(merged) : merged;
  done.set(name, result);
  return result;
}
