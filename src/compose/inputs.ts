/**
 * Which files make a project, from which directory, under which environment: docker
 * compose's `-f`, `COMPOSE_FILE` (process or the starting directory's `.env`), discovery,
 * `--project-directory` and the env files. Shared by the full loader and `peekProject`.
 */
import { delimiter, dirname, join, resolve } from 'node:path';
import { discoverComposeFiles } from './discover.js';
import { definedOnly, type Env, projectEnvironment, readEnvFile } from './environment.js';
import { ComposeFileNotFoundError } from './errors.js';
import type { LoadOptions } from './options.js';

export interface ProjectInputs {
  /** In order; `content` is set for `-f -` (standard input). */
  configFiles: Array<{ path: string; content?: string }>;
  workingDir: string;
  env: Env;
}

export async function projectInputs(options: LoadOptions): Promise<ProjectInputs> {
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
  const configFiles: ProjectInputs['configFiles'] = [];
  if (names) {
    for (const name of names) {
      if (name === '-') {
        if (!options.stdin)
          throw new ComposeFileNotFoundError('-f - needs standard input, which this caller does not provide');
        configFiles.push({ path: join(projectDirFlag ?? cwd, '(stdin)'), content: await options.stdin() });
      } else configFiles.push({ path: resolve(cwd, name) });
    }
  } else {
    for (const path of discoverComposeFiles(projectDirFlag ?? cwd)) configFiles.push({ path });
  }
  const workingDir = projectDirFlag ?? dirname(configFiles[0]!.path);
  const env = projectEnvironment(workingDir, options.envFiles, processEnv, cwd);
  return { configFiles, workingDir, env };
}

/** The `.env` of `dir` (empty when there is none), read with the process environment winning. */
function dotenvOf(dir: string, processEnv: Env): Env {
  return readEnvFile(
    join(dir, '.env'),
    (k) => (Object.hasOwn(processEnv, k) ? processEnv[k] : undefined),
    false,
  );
}
