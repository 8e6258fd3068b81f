/** Finding compose files like docker compose: the working directory, then its parents. */
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ComposeFileNotFoundError } from './errors.js';

export const DEFAULT_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];

const isFile = (p: string) => existsSync(p) && statSync(p).isFile();

/** The first default file found from `cwd` upwards, plus its `.override` sibling if any. */
export function discoverComposeFiles(cwd: string): string[] {
  let dir = cwd;
  for (;;) {
    for (const name of DEFAULT_FILES) {
      const candidate = join(dir, name);
      if (!isFile(candidate)) continue;
      const dot = name.lastIndexOf('.');
      const override = join(dir, `${name.slice(0, dot)}.override${name.slice(dot)}`);
      // The override may use the other extension (compose.yaml + compose.override.yml).
      const alt = join(dir, `${name.slice(0, dot)}.override${name.endsWith('.yaml') ? '.yml' : '.yaml'}`);
      if (isFile(override)) return [candidate, override];
      if (isFile(alt)) return [candidate, alt];
      return [candidate];
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new ComposeFileNotFoundError(`no configuration file provided: not found in ${cwd} or its parents`, {
    expected: `one of ${DEFAULT_FILES.join(', ')}, or -f FILE`,
  });
}
