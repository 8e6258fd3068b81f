/**
 * The loader pipeline over files already found and an environment already built:
 * per file (YAML, interpolation, schema, canonical form, include, extends), merge of all
 * files, project name, normalization, profiles, env files, semantic checks. Throws one
 * `ComposeLoadError` with every error found.
 */
import { isDict, scalarString } from './canonical.js';
import type { Env } from './environment.js';
import { ComposeError, ComposeLoadError, ComposeValueError } from './errors.js';
import { resolveExtends } from './extends.js';
import {
  interpolateTree,
  type LoadedFile,
  loadComposeFile,
  processComposeFile,
  readComposeFile,
} from './file-loader.js';
import { applyIncludes, overIncluded } from './include.js';
import { Issues } from './issues.js';
import { mergeValue, stripTags } from './merge.js';
import { normalizeService } from './normalize-service.js';
import { type PathContext, resolveFilePaths, resolvePath } from './paths.js';
import { activeServices, disabledServices } from './profiles.js';
import { resolveProjectName } from './project-name.js';
import { overlapsAny, Salvage } from './salvage.js';
import { addImplicitDependencies, checkProject } from './semantic.js';
import { resolveBareEnvironment, resolveServiceEnvironment } from './service-env.js';
import type { ProjectSpec, ServiceSpec } from './types.js';
import type { SourceFile } from './yaml-source.js';

type Dict = Record<string, unknown>;

export interface ConfigFile {
  /** Absolute path (for `-f -`, a name in the working directory). */
  path: string;
  /** The content when it does not come from disk. */
  content?: string;
}

export interface ModelOptions {
  configFiles: ConfigFile[];
  workingDir: string;
  env: Env;
  projectName?: string;
  profiles?: string[];
  /** Default true: relative paths become absolute. False: relative to the working directory. */
  resolvePaths?: boolean;
  skipValidation?: boolean;
  skipInterpolation?: boolean;
  skipConsistencyCheck?: boolean;
  /** Leaves out the implicit default network and inferred dependencies. */
  skipNormalization?: boolean;
  /** Receives warnings (an unset variable used without a default), each once. */
  warn?: (message: string) => void;
}

export function loadModel(o: ModelOptions): ProjectSpec {
  const issues = new Issues();
  const sources: SourceFile[] = [];
  const home = o.env.HOME;

  // The name comes first: files may use ${COMPOSE_PROJECT_NAME}.
  const parsed = o.configFiles.map((f) => readComposeFile(f.path, f.content, issues, sources));
  if (issues.size > 0) throw new ComposeLoadError(issues.resolve(sources));
  for (const p of parsed)
    if (p && p.data.version !== undefined)
      o.warn?.(
        `${p.source.file}: the attribute \`version\` is obsolete, it will be ignored, please remove it to avoid potential confusion`,
      );
  let topLevel: unknown;
  for (const p of parsed) if (p && p.data.name !== undefined) topLevel = p.data.name;
  if (typeof topLevel === 'string')
    topLevel = interpolateTree(topLevel, (k) => own(o.env, k), issues, undefined, ['name']);
  let name = '';
  try {
    name = resolveProjectName({
      flag: o.projectName,
      env: o.env,
      topLevel,
      projectDir: o.workingDir,
      validate: !o.skipValidation,
    });
  } catch (err) {
    if (!(err instanceof ComposeError)) throw err;
    issues.add(err, o.projectName === undefined && !o.env.COMPOSE_PROJECT_NAME ? ['name'] : undefined);
  }
  if (issues.size > 0) throw new ComposeLoadError(issues.resolve(sources));
  const env: Env = Object.hasOwn(o.env, 'COMPOSE_PROJECT_NAME')
    ? o.env
    : { ...o.env, COMPOSE_PROJECT_NAME: name };

  const warned = new Set<string>();
  const onUnset = (variable: string) => {
    if (warned.has(variable)) return;
    warned.add(variable);
    o.warn?.(`The "${variable}" variable is not set. Defaulting to a blank string.`);
  };
  // A -f file that fails its schema still feeds the project checks with what is left of it.
  const salvage = o.skipValidation ? undefined : new Salvage();
  const fileOpts = {
    env,
    skipValidation: o.skipValidation,
    skipInterpolation: o.skipInterpolation,
    onUnset,
    salvage,
  };
  const cache = new Map<string, LoadedFile | undefined>();
  const loadFile = (path: string) => {
    if (!cache.has(path)) cache.set(path, loadComposeFile(path, undefined, fileOpts, issues, sources));
    return cache.get(path);
  };
  const extCtx = { issues, home, loadFile };

  const loadIncluded = (path: string, projectDir: string, subEnv: Env, stack: string[]): Dict | undefined => {
    const opts = { ...fileOpts, env: subEnv };
    const loaded = loadComposeFile(path, undefined, opts, issues, sources);
    if (!loaded) return undefined;
    const loadOther = (p: string) => loadComposeFile(p, undefined, opts, issues, sources);
    let data = resolveExtends(
      loaded.data,
      path,
      loaded.source,
      { issues, home, loadFile: loadOther },
      projectDir,
    );
    if (data.include !== undefined)
      data = overIncluded(
        applyIncludes(data.include, path, loaded.source, subEnv, stack, { issues, loadIncluded }),
        data,
      );
    const resolved = resolveFilePaths(stripTags(data) as Dict, { base: projectDir, home });
    resolveBareEnvironment(resolved.services, subEnv);
    return resolved;
  };

  let model: Dict = {};
  o.configFiles.forEach((f, i) => {
    const p = parsed[i];
    const loaded = p ? processComposeFile(p, { ...fileOpts, partial: true }, issues) : undefined;
    if (!loaded) {
      if (salvage) salvage.unsafe = true;
      return;
    }
    if (loaded.partial && salvage) {
      // What is left of a failed file: its extends and includes are only for the project
      // checks; anything they trip on makes those checks unsafe.
      const partialIssues = new Issues();
      try {
        let data = resolveExtends(
          loaded.data,
          f.path,
          loaded.source,
          { ...extCtx, issues: partialIssues },
          o.workingDir,
        );
        if (data.include !== undefined)
          data = overIncluded(
            applyIncludes(data.include, f.path, loaded.source, env, [f.path], {
              issues: partialIssues,
              loadIncluded,
            }),
            data,
          );
        model = mergeValue(model, data) as Dict;
      } catch {
        salvage.unsafe = true;
      }
      if (partialIssues.size > 0) salvage.unsafe = true;
      return;
    }
    let data = resolveExtends(loaded.data, f.path, loaded.source, extCtx, o.workingDir);
    if (data.include !== undefined)
      data = overIncluded(
        applyIncludes(data.include, f.path, loaded.source, env, [f.path], { issues, loadIncluded }),
        data,
      );
    model = mergeValue(model, data) as Dict;
  });
  const paths: PathContext = {
    base: o.workingDir,
    home,
    relativeTo: o.resolvePaths === false ? o.workingDir : undefined,
  };
  if (issues.size > 0) {
    if (salvage && !salvage.unsafe && salvage.accounted === issues.size && !o.skipConsistencyCheck)
      projectChecksOfSalvage(model, name, paths, { ...o, env }, issues, salvage);
    throw new ComposeLoadError(issues.resolve(sources));
  }

  const step = <T>(fn: () => T) => (o.skipValidation ? guarded(issues, fn) : fn());
  const project = step(() => normalizeProject(model, name, paths, { ...o, env }, issues));
  if (project && !o.skipConsistencyCheck) {
    const rawServices = isDict(model.services) ? model.services : {};
    const disabled = disabledServices(rawServices, o.profiles ?? [], env);
    if (issues.size === 0) step(() => checkProject(project, issues, disabled));
    else {
      // Values already failed: still report the references, unless the odd values trip the check.
      const extra = new Issues();
      try {
        checkProject(project, extra, disabled);
        extra.moveTo(issues, undefined, () => true);
      } catch {
        // The value errors stand for what the check could not read.
      }
    }
  }
  if (issues.size > 0 || !project) throw new ComposeLoadError(issues.resolve(sources));
  return project;
}

/**
 * The project checks (references, cycles, replicas) and the value errors of the other files,
 * over what is left of the failed files (salvage.ts): what they find under a key already
 * reported is dropped. Only when every error so far comes from a salvaged file; anything
 * unexpected drops these checks, never the errors already found.
 */
function projectChecksOfSalvage(
  model: Dict,
  name: string,
  paths: PathContext,
  o: ModelOptions,
  issues: Issues,
  salvage: Salvage,
): void {
  const values = new Issues();
  const checks = new Issues();
  try {
    const project = normalizeProject(model, name, paths, o, values);
    const rawServices = isDict(model.services) ? model.services : {};
    checkProject(project, checks, disabledServices(rawServices, o.profiles ?? [], o.env), salvage.assumed);
  } catch {
    return;
  }
  const keep = (path: string) => !overlapsAny(salvage.pruned, path);
  values.moveTo(issues, undefined, keep);
  checks.moveTo(issues, undefined, keep);
}

/**
 * With validation on, the schema guarantees the shapes normalization reads. Without it
 * (skipValidation, used by the conformance data), an odd shape may still trip a step: it is
 * reported as a ComposeValueError rather than escaping as a TypeError.
 */
function guarded<T>(issues: Issues, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ComposeError) issues.add(err);
    else issues.add(new ComposeValueError(`invalid value: ${(err as Error).message}`, { cause: err }));
    return undefined;
  }
}

const own = (m: Env, k: string) => (Object.hasOwn(m, k) ? m[k] : undefined);

function normalizeProject(
  model: Dict,
  name: string,
  paths: PathContext,
  o: ModelOptions,
  issues: Issues,
): ProjectSpec {
  const rawServices = isDict(model.services) ? model.services : {};
  const enabled = activeServices(rawServices, o.profiles ?? [], o.env);
  const services: Record<string, ServiceSpec> = {};
  for (const [svcName, raw] of Object.entries(rawServices)) {
    if (!enabled.has(svcName)) continue;
    const svc = normalizeService(svcName, isDict(raw) ? raw : {}, {
      issues,
      paths,
      env: o.env,
      normalize: !o.skipNormalization,
    });
    resolveServiceEnvironment(svcName, svc, o.env, issues, o.workingDir);
    services[svcName] = svc;
  }
  const project: ProjectSpec = {
    name,
    workingDir: o.workingDir,
    services,
    networks: resources(model.networks, name, o.env, undefined, !o.skipNormalization),
    volumes: resources(model.volumes, name, o.env, undefined, !o.skipNormalization),
    secrets: resources(model.secrets, name, o.env, paths, !o.skipNormalization),
    configs: resources(model.configs, name, o.env, paths, !o.skipNormalization),
  };
  const usesDefault = Object.values(services).some((s) => Object.hasOwn(s.networks, 'default'));
  if (usesDefault && !o.skipNormalization && !Object.hasOwn(project.networks, 'default'))
    project.networks.default = { name: `${name}_default` };
  const extensions: Record<string, never> = {};
  for (const [k, v] of Object.entries(model)) if (k.startsWith('x-')) (extensions as Dict)[k] = v;
  if (Object.keys(extensions).length > 0) project.extensions = extensions;
  if (!o.skipNormalization) addImplicitDependencies(project);
  return project;
}

function resources(
  section: unknown,
  project: string,
  env: Env,
  paths: PathContext | undefined,
  normalize: boolean,
  // biome-ignore lint/suspicious/noExplicitAny: each section has its own spec type; the shape is shared
): Record<string, any> {
  const out: Record<string, Dict> = {};
  if (!isDict(section)) return out;
  for (const [key, raw] of Object.entries(section)) {
    const r: Dict = isDict(raw) ? { ...raw } : {};
    if (r.external === 'true') r.external = true;
    if (r.name !== undefined) r.name = scalarString(r.name);
    else if (normalize) r.name = r.external === true ? key : `${project}_${key}`;
    if (paths && typeof r.file === 'string') r.file = resolvePath(r.file, paths);
    if (typeof r.environment === 'string' && r.content === undefined && Object.hasOwn(env, r.environment))
      r.content = env[r.environment];
    out[key] = r;
  }
  return out;
}
