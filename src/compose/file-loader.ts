/**
 * One compose file through the per-file steps: YAML → interpolation → schema → canonical
 * form. Every error found goes to the shared `Issues`; a file with errors yields no data.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { canonicalFile, isDict } from './canonical.js';
import type { Env } from './environment.js';
import { ComposeError, ComposeFileNotFoundError } from './errors.js';
import { type Lookup, type OnUnset, substitute } from './interpolate.js';
import { Issues } from './issues.js';
import { stripTags } from './merge.js';
import { normalizeService } from './normalize-service.js';
import { overlapsAny, pruneFailures, type Salvage } from './salvage.js';
import { validateSchema } from './schema.js';
import {
  OverrideTag,
  type ParsedFile,
  parseComposeYaml,
  ResetTag,
  type Segment,
  type SourceFile,
} from './yaml-source.js';

type Dict = Record<string, unknown>;

export interface FileStepsOptions {
  env: Env;
  /** Told about each unset variable used without a default. */
  onUnset?: OnUnset;
  skipValidation?: boolean;
  skipInterpolation?: boolean;
  /** Where a failed file's salvage is recorded (see salvage.ts); none: no salvage. */
  salvage?: Salvage;
  /** Whether a failed file may yield what is left of it (a -f file), or marks the salvage unsafe. */
  partial?: boolean;
}

export interface LoadedFile {
  source: SourceFile;
  /** Canonical data, `!reset`/`!override` markers kept for the merge. */
  data: Dict;
  /** The file failed: this is what is left of it once the failed keys are cut out. */
  partial?: boolean;
}

/** Interpolates every string value (not keys) of a tree; errors recorded with their path. */
export function interpolateTree(
  value: unknown,
  lookup: Lookup,
  issues: Issues,
  source: SourceFile | undefined,
  path: Segment[] = [],
  onUnset?: OnUnset,
): unknown {
  return walk(value, { lookup, issues, source, onUnset }, [...path]);
}

interface WalkContext {
  lookup: Lookup;
  issues: Issues;
  source: SourceFile | undefined;
  onUnset?: OnUnset;
}

/** `path` is one mutable stack (copied only for an error): no allocation per node. */
function walk(value: unknown, ctx: WalkContext, path: Segment[]): unknown {
  if (typeof value === 'string') {
    if (!value.includes('$')) return value;
    try {
      return substitute(value, ctx.lookup, ctx.onUnset);
    } catch (err) {
      if (err instanceof ComposeError) {
        ctx.issues.add(err, [...path], ctx.source);
        return value;
      }
      throw err;
    }
  }
  if (value instanceof ResetTag) return value;
  if (value instanceof OverrideTag) return new OverrideTag(walk(value.value, ctx, path));
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      out[i] = walk(value[i], ctx, path);
      path.pop();
    }
    return out;
  }
  if (isDict(value)) {
    const out: Dict = {};
    for (const k of Object.keys(value)) {
      path.push(k);
      const next = walk(value[k], ctx, path);
      path.pop();
      if (k === '__proto__')
        Object.defineProperty(out, k, { value: next, enumerable: true, writable: true, configurable: true });
      else out[k] = next;
    }
    return out;
  }
  return value;
}

/** Reads `path` (or uses `content`) and runs the per-file steps. */
export function loadComposeFile(
  path: string,
  content: string | undefined,
  options: FileStepsOptions,
  issues: Issues,
  sources: SourceFile[],
): LoadedFile | undefined {
  const parsed = readComposeFile(path, content, issues, sources);
  return parsed ? processComposeFile(parsed, options, issues) : undefined;
}

/** Reads and parses a file's YAML; errors go to `issues`. */
export function readComposeFile(
  path: string,
  content: string | undefined,
  issues: Issues,
  sources: SourceFile[],
): ParsedFile | undefined {
  let text = content;
  if (text === undefined) {
    try {
      text = readFileSync(path, 'utf8');
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      const reason =
        code === 'ENOENT'
          ? 'compose file not found: no such file or directory'
          : code === 'EISDIR'
            ? 'compose file is a directory'
            : `cannot read compose file: ${(cause as Error).message}`;
      issues.add(
        new ComposeFileNotFoundError(reason, {
          file: path,
          expected: code === 'ENOENT' || code === 'EISDIR' ? 'a readable YAML file' : undefined,
          cause,
        }),
      );
      return undefined;
    }
  }
  const { parsed, errors } = parseComposeYaml(text, path);
  for (const e of errors) issues.add(e);
  if (parsed) sources.push(parsed.source);
  return parsed;
}

/** Interpolation, schema validation and canonical form of a parsed file. */
export function processComposeFile(
  parsed: ParsedFile,
  options: FileStepsOptions,
  issues: Issues,
): LoadedFile | undefined {
  const before = issues.size;
  const lookup: Lookup = (k) => (Object.hasOwn(options.env, k) ? options.env[k] : undefined);
  const interpolated = options.skipInterpolation
    ? parsed.data
    : (interpolateTree(parsed.data, lookup, issues, parsed.source, [], options.onUnset) as Dict);
  if (issues.size > before) {
    // The file stops here, but its schema errors are reported with the interpolation errors.
    if (!options.skipValidation) {
      schemaErrorsBeside(interpolated, parsed.source, issues, before);
      if (options.salvage) valueErrorsBesideSchema(interpolated, parsed.source, options, issues, before);
    }
    return salvageFile(interpolated, parsed.source, options, issues, before);
  }
  if (!options.skipValidation && !validateSchema(forSchema(interpolated), issues, parsed.source)) {
    valueErrorsBesideSchema(interpolated, parsed.source, options, issues, before);
    return salvageFile(interpolated, parsed.source, options, issues, before);
  }
  const probe = new Issues();
  const data = canonicalFile(interpolated, probe);
  if (probe.size > 0) {
    // Bad ports or volumes stop the file: report its other value errors with them.
    valueErrorsBesideSchema(interpolated, parsed.source, options, issues, issues.size);
    return salvageFile(interpolated, parsed.source, options, issues, before);
  }
  return { source: parsed.source, data };
}

/**
 * What is left of a failed file for the project checks (salvage.ts): the keys of the errors
 * recorded since `before` cut out, until the rest passes the schema and the canonical step
 * (a few rounds at most). Undefined, and the salvage marked unsafe, when that fails.
 */
function salvageFile(
  data: Dict,
  source: SourceFile,
  options: FileStepsOptions,
  issues: Issues,
  before: number,
): LoadedFile | undefined {
  const salvage = options.salvage;
  if (!salvage) return undefined;
  if (!options.partial || options.skipValidation) {
    salvage.unsafe = true;
    return undefined;
  }
  let failures = issues.since(before);
  let current = data;
  const pruned: string[] = [];
  const assumed: Parameters<Salvage['assume']>[] = [];
  for (let round = 0; round < 4; round++) {
    const cut = pruneFailures(current, failures);
    if (!cut) break;
    current = cut.data;
    pruned.push(...cut.pruned);
    assumed.push(...cut.assumed);
    const probe = new Issues();
    if (validateSchema(forSchema(current), probe, source)) {
      const canonical = canonicalFile(current, probe);
      if (probe.size === 0) {
        salvage.pruned.push(...pruned);
        for (const [kind, name] of assumed) salvage.assume(kind, name);
        salvage.accounted += issues.size - before;
        return { source, data: canonical, partial: true };
      }
    }
    failures = probe.since(0);
  }
  salvage.unsafe = true;
  return undefined;
}

/** A service written as `name:` with no body is an empty service, not a schema error. */
function forSchema(data: Dict): unknown {
  const plain = stripTags(data) as Dict;
  if (!isDict(plain.services)) return plain;
  const services: Dict = {};
  for (const [k, v] of Object.entries(plain.services)) services[k] = v === null ? {} : v;
  return { ...plain, services };
}

/**
 * A file that fails its schema is not merged or normalized, but its value errors (ports,
 * volumes, durations, sizes) are reported now too, so that one run shows every error of the
 * file. Values under a path the schema already complained about are left to that error.
 */
function valueErrorsBesideSchema(
  data: Dict,
  source: SourceFile,
  options: FileStepsOptions,
  issues: Issues,
  schemaFrom: number,
): void {
  const schemaPaths = issues.pathsSince(schemaFrom);
  const extra = new Issues();
  try {
    const canonical = canonicalFile(data, extra);
    const services = isDict(canonical.services) ? canonical.services : {};
    for (const [name, svc] of Object.entries(services))
      if (isDict(svc))
        normalizeService(name, svc, {
          issues: extra,
          paths: { base: dirname(source.file) },
          env: options.env,
          normalize: true,
        });
  } catch {
    // Shapes the schema rejected can trip a step; the schema errors stand for them.
  }
  extra.moveTo(issues, source, (path) => !overlapsAny(schemaPaths, path));
}

/**
 * A file whose interpolation failed is not validated as such, but its schema errors (an
 * unknown key beside a missing variable) are reported in the same run. A value left
 * uninterpolated is left to its interpolation error.
 */
function schemaErrorsBeside(data: Dict, source: SourceFile, issues: Issues, from: number): void {
  const failed = issues.pathsSince(from);
  const extra = new Issues();
  validateSchema(forSchema(data), extra, source);
  extra.moveTo(issues, source, (path) => !overlapsAny(failed, path));
}
