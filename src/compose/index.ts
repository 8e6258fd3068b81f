/**
 * The compose loader's public entry: find, read, interpolate, merge, validate and normalize
 * a compose project into a `ProjectSpec`, as docker compose reads it. Throws
 * `ComposeLoadError` holding every error found.
 */
import { delimiter, dirname, join, resolve } from 'node:path';
import { discoverComposeFiles } from './discover.js';
import { definedOnly, type Env, projectEnvironment, readEnvFile } from './environment.js';
import { ComposeError, ComposeFileNotFoundError, ComposeLoadError } from './errors.js';
import { type ConfigFile, loadModel } from './model.js';
import type { LoadOptions } from './options.js';
import type { ProjectSpec } from './types.js';

export * from './errors.js';
export { type ConfigFile, loadModel, type ModelOptions } from './model.js';
export type { LoadOptions } from './options.js';
export type * from './types.js';
export { desiredReplicas } from './types.js';

export async function loadProject(options: LoadOptions): Promise<ProjectSpec> {
  try {
    const processEnv = definedOnly(options.env);
    const cwd = options.cwd;
    const projectDirFlag = options.projectDirectory ? resolve(cwd, options.projectDirectory) : undefined;
    let names = options.files && options.files.length > 0 ? options.files : undefined;
    if (!names) {
      // COMPOSE_FILE may come from the process or from the .env of the directory we start in.
      const early = { ...dotenvOf(projectDirFlag ?? cwd, processEnv), ...processEnv };
      if (early.COMPOSE_FILE)
        names = early.COMPOSE_FILE.split(early.COMPOSE_PATH_SEPARATOR ?? delimiter).filter(Boolean);
    }
    const configFiles: ConfigFile[] = [];
    if (names) {
      for (const name of names) {
        if (name === '-') {
          if (!options.stdin)
            throw new ComposeFileNotFoundError(
              '-f - needs standard input, which this caller does not provide',
            );
          configFiles.push({ path: join(projectDirFlag ?? cwd, '(stdin)'), content: await options.stdin() });
        } else configFiles.push({ path: resolve(cwd, name) });
      }
    } else {
      for (const path of discoverComposeFiles(projectDirFlag ?? cwd)) configFiles.push({ path });
    }
    const workingDir = projectDirFlag ?? dirname(configFiles[0]!.path);
    const env = projectEnvironment(workingDir, options.envFiles, processEnv, cwd);
    return loadModel({
      configFiles,
      workingDir,
      env,
      projectName: options.projectName,
      profiles: options.profiles,
      warn: options.warn,
    });
  } catch (err) {
    if (err instanceof ComposeError) throw new ComposeLoadError([err]);
    throw err;
  }
}

/** The `.env` of `dir` (empty when there is none), read with the process environment winning. */
function dotenvOf(dir: string, processEnv: Env): Env {
  return readEnvFile(
    join(dir, '.env'),
    (k) => (Object.hasOwn(processEnv, k) ? processEnv[k] : undefined),
    false,
  );
}
