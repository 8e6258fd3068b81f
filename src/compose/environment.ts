/**
 * The project environment docker compose interpolates with: `.env` of the project directory
 * (or every `--env-file`, in order), overridden by the process environment.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseEnvFile } from './dotenv.js';
import { ComposeEnvFileError, ComposeFileNotFoundError } from './errors.js';

export type Env = Record<string, string>;

export function definedOnly(env: Record<string, string | undefined>): Env {
  const out: Env = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

/** Reads one env file; `required` false lets a missing file count as empty. */
export function readEnvFile(
  path: string,
  lookup: (k: string) => string | undefined,
  required = true,
  fallback: (k: string) => string | undefined = () => undefined,
): Env {
  if (!existsSync(path)) {
    if (!required) return {};
    throw new ComposeFileNotFoundError(`env file ${path} not found`);
  }
  try {
    return parseEnvFile(readFileSync(path, 'utf8'), lookup, fallback);
  } catch (err) {
    if (err instanceof ComposeEnvFileError) {
      const line = /^line (\d+)/.exec(err.reason)?.[1];
      throw err.withDetails({ file: path, line: line === undefined ? undefined : Number(line) });
    }
    throw new ComposeFileNotFoundError(`cannot read env file ${path}: ${(err as Error).message}`, {
      file: path,
      cause: err,
    });
  }
}

/** Reads env files in order (later ones win), the process environment winning over all. */
export function projectEnvironment(
  projectDir: string,
  envFiles: string[] | undefined,
  processEnv: Env,
  cwd: string,
): Env {
  const files =
    envFiles && envFiles.length > 0 ? envFiles.map((f) => resolve(cwd, f)) : [join(projectDir, '.env')];
  const explicit = Boolean(envFiles && envFiles.length > 0);
  const fromFiles: Env = {};
  for (const f of files) {
    const fromProcess = (k: string) => (Object.hasOwn(processEnv, k) ? processEnv[k] : undefined);
    const earlier = (k: string) => (Object.hasOwn(fromFiles, k) ? fromFiles[k] : undefined);
    Object.assign(fromFiles, readEnvFile(f, fromProcess, explicit, earlier));
  }
  return { ...fromFiles, ...processEnv };
}
