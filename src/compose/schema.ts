/**
 * Validation against the official compose-spec JSON schema (a copy in this folder, see
 * COMPOSE-SPEC-NOTICE.md), with ajv. ajv's raw errors for `oneOf` alternatives are noisy, so
 * they are condensed to one error per offending value: an unknown key (with a did-you-mean),
 * a value outside an enum, a missing key, or the types that were expected.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import { cachedFunction } from '../code-cache.js';
import { ComposeSchemaError } from './errors.js';
import type { Issues } from './issues.js';
import { didYouMean } from './levenshtein.js';
import { AJV_OPTIONS, type SavedValidator, sha256 } from './validator-options.js';
import type { Segment, SourceFile } from './yaml-source.js';

/** Reads a file of this folder: from src/compose when run from source, from dist/src/compose after `tsc`. */
function readHere(name: string): string {
  const candidates = [
    new URL(`./${name}`, import.meta.url),
    new URL(`../../../src/compose/${name}`, import.meta.url),
  ];
  for (const url of candidates) {
    try {
      return readFileSync(url, 'utf8');
    } catch {
      // try the next location
    }
  }
  throw new Error(`${name} not found next to the compose loader`);
}

/**
 * The validator's code saved ahead of time (validator-codegen.ts), if it was generated from
 * this very schema text; undefined otherwise (then the schema is compiled).
 */
export function savedValidator(schemaText: string): ValidateFunction | undefined {
  let saved: SavedValidator;
  try {
    saved = JSON.parse(readHere('compose-spec-validator.json')) as SavedValidator;
  } catch {
    return undefined;
  }
  if (saved.schemaSha256 !== sha256(schemaText)) return undefined;
  const module = { exports: {} as { default?: ValidateFunction } };
  // The same evaluation ajv applies to the code it generates, minus the generation; compiled
  // with V8's code cache (code-cache.ts): from source it costs every command that loads a
  // project ~15 ms.
  const cache = fileURLToPath(new URL('./compose-spec-validator.cache', import.meta.url));
  cachedFunction(
    saved.code,
    ['require', 'module', 'exports'],
    'compose-spec-validator.js',
    cache,
  )(createRequire(import.meta.url), module, module.exports);
  return (module.exports.default ?? module.exports) as ValidateFunction;
}

/** Compiles the schema with ajv (what the saved code spares; ajv is loaded only then). */
export function compileValidator(schemaText: string = readHere('compose-spec.json')): ValidateFunction {
  const { Ajv: AjvClass } = createRequire(import.meta.url)('ajv') as { Ajv: typeof Ajv };
  return new AjvClass(AJV_OPTIONS).compile(JSON.parse(schemaText) as object);
}

/**
 * The validator is made once per process, on first use: loaded from the saved code, or
 * compiled (0.2–1 s) when that is missing or stale. This memo is the module's only state and
 * never changes once set.
 */
const memo: { validate?: ValidateFunction } = {};

export function validator(): ValidateFunction {
  if (!memo.validate) {
    const schemaText = readHere('compose-spec.json');
    memo.validate = savedValidator(schemaText) ?? compileValidator(schemaText);
  }
  return memo.validate;
}

const TYPE_NAMES: Record<string, string> = { object: 'mapping', array: 'list' };

const ALTERNATIVE_NOISE = new Set(['oneOf', 'anyOf', 'type', 'const']);

function segments(instancePath: string): Segment[] {
  if (!instancePath) return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** Validates one file's data; records condensed errors in `issues`. Returns whether it is valid. */
export function validateSchema(data: unknown, issues: Issues, source?: SourceFile): boolean {
  const validate = validator();
  if (validate(data)) return true;
  const groups = new Map<string, ErrorObject[]>();
  for (const e of validate.errors ?? []) {
    const g = groups.get(e.instancePath);
    if (g) g.push(e);
    else groups.set(e.instancePath, [e]);
  }
  const paths = [...groups.keys()];
  for (const [path, errors] of groups) {
    const onlyNoise = errors.every((e) => ALTERNATIVE_NOISE.has(e.keyword));
    // An alternative that failed deeper explains the failure better than "wrong type" here.
    if (onlyNoise && paths.some((p) => p !== path && p.startsWith(`${path}/`))) continue;
    reportGroup(segments(path), errors, issues, source);
  }
  return false;
}

function reportGroup(path: Segment[], errors: ErrorObject[], issues: Issues, source?: SourceFile): void {
  const unknown = errors.filter((e) => e.keyword === 'additionalProperties');
  if (unknown.length > 0) {
    const seen = new Set<string>();
    for (const e of unknown) {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      if (seen.has(key)) continue;
      seen.add(key);
      const parent = e.parentSchema as { properties?: object; patternProperties?: object } | undefined;
      const props = Object.keys(parent?.properties ?? {});
      const names = Object.keys(parent?.patternProperties ?? {}).filter((p) => p !== '^x-');
      if (props.length === 0 && names.length > 0) {
        // A map of names (services, volumes, …): the name itself is malformed.
        issues.add(
          new ComposeSchemaError(`invalid name '${key}'`, {
            expected: `a name matching ${names.join(' or ')}`,
          }),
          [...path, key],
          source,
          true,
        );
        continue;
      }
      const suggestion = didYouMean(key, props);
      const where = path.length ? 'here' : 'at the top level';
      issues.add(
        new ComposeSchemaError(`unknown key '${key}'`, {
          expected: props.length ? `one of the keys allowed ${where}` : `no '${key}' ${where}`,
          suggestion,
        }),
        [...path, key],
        source,
        true,
      );
    }
    return;
  }
  const enums = errors.filter((e) => e.keyword === 'enum');
  if (enums.length > 0) {
    const allowed = (enums[0]!.params as { allowedValues: unknown[] }).allowedValues.map((v) =>
      JSON.stringify(v),
    );
    const value = enums[0]!.data;
    issues.add(
      new ComposeSchemaError(`invalid value ${JSON.stringify(value)}`, {
        expected: `one of ${allowed.join(', ')}`,
        suggestion:
          typeof value === 'string'
            ? didYouMean(
                value,
                allowed.map((a) => JSON.parse(a) as string),
              )
            : undefined,
      }),
      path,
      source,
    );
    return;
  }
  const required = errors.filter((e) => e.keyword === 'required');
  if (required.length > 0) {
    for (const e of required) {
      const key = (e.params as { missingProperty: string }).missingProperty;
      issues.add(
        new ComposeSchemaError(`missing required key '${key}'`, { expected: `a '${key}' key` }),
        path,
        source,
      );
    }
    return;
  }
  const specific = errors.filter((e) => !ALTERNATIVE_NOISE.has(e.keyword));
  if (specific.length > 0) {
    for (const e of specific) issues.add(specificError(e), path, source);
    return;
  }
  const types: string[] = [];
  for (const e of errors)
    if (e.keyword === 'type') {
      const t = e.params.type as string | string[];
      for (const name of Array.isArray(t) ? [...t].sort() : [t]) {
        const shown = TYPE_NAMES[name] ?? name;
        if (!types.includes(shown)) types.push(shown);
      }
    }
  const value = errors[0]!.data;
  const list =
    types.length > 1
      ? `${types.slice(0, -1).join(', ')} or ${types[types.length - 1]}`
      : (types[0] ?? 'a different value');
  issues.add(new ComposeSchemaError(`must be a ${list}, not ${describeType(value)}`), path, source);
}

/** A pattern error names the value, the pattern and, when the pattern lists words, the word meant. */
function specificError(e: ErrorObject): ComposeSchemaError {
  const message = e.message ?? e.keyword;
  if (e.keyword !== 'pattern' || typeof e.data !== 'string') return new ComposeSchemaError(message);
  const pattern = String((e.params as { pattern: string }).pattern);
  const words = pattern.split('|').filter((w) => /^[a-z_-]+$/i.test(w));
  return new ComposeSchemaError(`invalid value ${JSON.stringify(e.data)}`, {
    expected: `a value matching ${pattern}`,
    suggestion: didYouMean(e.data, words),
  });
}
