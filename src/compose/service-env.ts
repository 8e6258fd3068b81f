/**
 * A service's final environment: its `env_file`s read in order (`required`, `format: raw`),
 * its own `environment` on top, and bare `KEY` entries taken from the project environment
 * (left null when that has none). `label_file`s merge under `labels` the same way.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isDict } from './canonical.js';
import { type Env, readEnvFile } from './environment.js';
import { ComposeError, ComposeFileNotFoundError, ComposeValueError } from './errors.js';
import type { Issues } from './issues.js';
import type { ServiceSpec } from './types.js';

function readRaw(path: string, required: boolean): Env {
  if (!existsSync(path)) {
    if (!required) return {};
    throw new ComposeFileNotFoundError(`env file ${path} not found`);
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ComposeFileNotFoundError(`cannot read env file ${path}: ${(cause as Error).message}`, {
      file: path,
      cause,
    });
  }
  const out: Env = {};
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const i = line.indexOf('=');
    if (i < 0) out[line.trim()] = '';
    else out[line.slice(0, i).trim()] = line.slice(i + 1);
  }
  return out;
}

/** Bare `KEY` entries of canonical services' environment taken from `env` (for included files). */
export function resolveBareEnvironment(services: unknown, env: Env): void {
  if (!isDict(services)) return;
  for (const svc of Object.values(services)) {
    if (!isDict(svc) || !isDict(svc.environment)) continue;
    const e = { ...svc.environment };
    for (const [k, v] of Object.entries(e)) if (v === null && Object.hasOwn(env, k)) e[k] = env[k];
    svc.environment = e;
  }
}

export function resolveServiceEnvironment(
  name: string,
  svc: ServiceSpec,
  env: Env,
  issues: Issues,
  workingDir: string,
): void {
  const fromFiles: Env = {};
  (svc.env_file ?? []).forEach((f, i) => {
    try {
      const required = f.required !== false;
      if (typeof f.path !== 'string')
        throw new ComposeValueError('env_file entry without a path', { expected: 'path: FILE' });
      const path = resolve(workingDir, f.path);
      const vars =
        f.format === 'raw'
          ? readRaw(path, required)
          : readEnvFile(
              path,
              (k) => (Object.hasOwn(env, k) ? env[k] : undefined),
              required,
              (k) => (Object.hasOwn(fromFiles, k) ? fromFiles[k] : undefined),
            );
      Object.assign(fromFiles, vars);
    } catch (err) {
      if (!(err instanceof ComposeError)) throw err;
      issues.add(err, ['services', name, 'env_file', i]);
    }
  });
  const merged: Record<string, string | null> = { ...fromFiles };
  for (const [k, v] of Object.entries(svc.environment ?? {})) {
    if (v === null || v === undefined)
      merged[k] = Object.hasOwn(env, k) ? env[k]! : Object.hasOwn(fromFiles, k) ? fromFiles[k]! : null;
    else merged[k] = String(v);
  }
  svc.environment = merged;
  const labelFiles = (svc as unknown as { label_file?: unknown[] }).label_file;
  if (Array.isArray(labelFiles) && labelFiles.length > 0) {
    const labels: Record<string, string> = {};
    labelFiles.forEach((f, i) => {
      try {
        Object.assign(labels, readRaw(resolve(workingDir, String(f)), true));
      } catch (err) {
        if (!(err instanceof ComposeError)) throw err;
        issues.add(err, ['services', name, 'label_file', i]);
      }
    });
    svc.labels = { ...labels, ...(isDict(svc.labels) ? svc.labels : {}) };
  }
}
