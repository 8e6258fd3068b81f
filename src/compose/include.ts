/**
 * `include`: other compose files loaded as sub-projects (their own project directory and env
 * files; the caller's environment wins), their resources added to the including file's model.
 * Two includes that define the same resource differently conflict; the including file may
 * override what it includes. Include cycles are rejected.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isDict, scalarString } from './canonical.js';
import { type Env, readEnvFile } from './environment.js';
import { ComposeCycleError, ComposeIncludeError } from './errors.js';
import type { Issues } from './issues.js';
import { mergeValue, stripTags } from './merge.js';
import type { Segment, SourceFile } from './yaml-source.js';

type Dict = Record<string, unknown>;

const SECTIONS = ['services', 'networks', 'volumes', 'secrets', 'configs', 'models'] as const;

export interface IncludeContext {
  issues: Issues;
  /** Loads one included file as a model (its own includes and extends applied, paths resolved). */
  loadIncluded(path: string, projectDir: string, env: Env, stack: string[]): Dict | undefined;
}

const own = (m: Env) => (k: string) => (Object.hasOwn(m, k) ? m[k] : undefined);

const toList = (v: unknown): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);

/** The merged model of every entry of `include` in the file at `file`. */
export function applyIncludes(
  include: unknown,
  file: string,
  source: SourceFile | undefined,
  env: Env,
  stack: string[],
  ctx: IncludeContext,
): Dict {
  let acc: Dict = {};
  const dir = dirname(file);
  toList(include).forEach((entry, i) => {
    const path: Segment[] = ['include', i];
    const spec: Dict = isDict(entry) ? entry : { path: entry };
    const paths = toList(spec.path).map((p) => resolve(dir, scalarString(p)));
    if (paths.length === 0) {
      ctx.issues.add(
        new ComposeIncludeError('include entry has no path', { expected: 'path: FILE' }),
        path,
        source,
      );
      return;
    }
    const projectDir =
      spec.project_directory !== undefined
        ? resolve(dir, scalarString(spec.project_directory))
        : dirname(paths[0]!);
    let includeEnv: Env = {};
    try {
      if (spec.env_file !== undefined) {
        for (const f of toList(spec.env_file)) {
          const envPath = resolve(dir, scalarString(f));
          includeEnv = {
            ...includeEnv,
            ...readEnvFile(envPath, own(env), true, (k) => own(includeEnv)(k)),
          };
        }
      } else if (existsSync(join(projectDir, '.env'))) {
        includeEnv = readEnvFile(join(projectDir, '.env'), own(env), false);
      }
    } catch (err) {
      ctx.issues.add(err as ComposeIncludeError, [...path, 'env_file'], source);
      return;
    }
    const subEnv = { ...includeEnv, ...env };
    paths.forEach((p, j) => {
      if (!existsSync(p)) {
        const at = !isDict(entry)
          ? path
          : Array.isArray(spec.path)
            ? [...path, 'path', j]
            : [...path, 'path'];
        ctx.issues.add(
          new ComposeIncludeError(`included file ${p} not found`, {
            expected: 'the path of an existing compose file, relative to the including file',
          }),
          at,
          source,
        );
        return;
      }
      if (stack.includes(p)) {
        const chain = [...stack.slice(stack.indexOf(p)), p].join(' -> ');
        ctx.issues.add(new ComposeCycleError(`include cycle detected: ${chain}`), path, source);
        return;
      }
      const model = ctx.loadIncluded(p, projectDir, subEnv, [...stack, p]);
      if (!model) return;
      acc = addResources(acc, model, ctx.issues, path, source);
    });
  });
  return acc;
}

function addResources(acc: Dict, model: Dict, issues: Issues, path: Segment[], source?: SourceFile): Dict {
  const out: Dict = { ...acc };
  for (const section of SECTIONS) {
    const add = model[section];
    if (!isDict(add)) continue;
    const target: Dict = isDict(out[section]) ? { ...(out[section] as Dict) } : {};
    for (const [name, value] of Object.entries(add)) {
      if (Object.hasOwn(target, name) && JSON.stringify(target[name]) !== JSON.stringify(value)) {
        issues.add(
          new ComposeIncludeError(`imported ${section}.${name} conflicts with another imported definition`),
          path,
          source,
        );
        continue;
      }
      target[name] = value;
    }
    out[section] = target;
  }
  for (const [k, v] of Object.entries(model)) if (k.startsWith('x-') && !Object.hasOwn(out, k)) out[k] = v;
  return out;
}

/** The including file's data merged over what it includes (so it may override it). */
export function overIncluded(included: Dict, data: Dict): Dict {
  const { include: _drop, ...rest } = data;
  return mergeValue(stripTags(included), rest) as Dict;
}
