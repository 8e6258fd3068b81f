/**
 * The project name, in docker compose's order: `-p`, `COMPOSE_PROJECT_NAME`, the top-level
 * `name`, the project directory's name. Names given explicitly must already be valid; the
 * directory's name is normalized (lower case, only `[a-z0-9_-]`, starting with a letter or digit).
 */
import { basename } from 'node:path';
import { ComposeProjectNameError } from './errors.js';

const VALID = /^[a-z0-9][a-z0-9_-]*$/;

export function normalizeProjectName(raw: string): string {
  return raw
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '')
    .replace(/^[_-]+/, '');
}

export function resolveProjectName(options: {
  flag?: string;
  env: Record<string, string>;
  topLevel?: unknown;
  projectDir: string;
  /** False: explicit names are taken as given (compose-go skips this check without validation). */
  validate?: boolean;
}): string {
  const explicit: Array<[string, unknown]> = [
    ['-p/--project-name', options.flag],
    ['COMPOSE_PROJECT_NAME', options.env.COMPOSE_PROJECT_NAME],
    ['top-level name', options.topLevel],
  ];
  for (const [origin, value] of explicit) {
    if (value === undefined || value === null || value === '') continue;
    const name = String(value);
    if (options.validate !== false && !VALID.test(name))
      throw new ComposeProjectNameError(`invalid project name ${JSON.stringify(name)} (from ${origin})`, {
        expected: 'lower-case letters, digits, dashes and underscores, starting with a letter or digit',
        suggestion: normalizeProjectName(name) || undefined,
      });
    return name;
  }
  const fromDir = normalizeProjectName(basename(options.projectDir));
  if (!fromDir)
    throw new ComposeProjectNameError(`cannot derive a project name from directory ${options.projectDir}`, {
      expected: 'a name given with -p or a top-level name:',
    });
  return fromDir;
}
