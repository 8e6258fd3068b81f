/**
 * The compose files a command's options point at, as absolute paths (for `fizz ls`): the
 * `-f` files, else COMPOSE_FILE, else the files found from the working directory up, as the
 * loader finds them. Best effort: nothing when there is nothing to find.
 */
import { delimiter, resolve } from 'node:path';
import { discoverComposeFiles } from '../compose/discover.js';
import type { LoadOptions } from '../compose/options.js';

export function configFilePaths(o: LoadOptions): string[] {
  const base = o.projectDirectory ? resolve(o.cwd, o.projectDirectory) : o.cwd;
  let names = o.files && o.files.length > 0 ? o.files : undefined;
  if (!names && o.env.COMPOSE_FILE)
    names = o.env.COMPOSE_FILE.split(o.env.COMPOSE_PATH_SEPARATOR ?? delimiter).filter(Boolean);
  if (names) return names.map((n) => (n === '-' ? '-' : resolve(o.cwd, n)));
  try {
    return discoverComposeFiles(base);
  } catch {
    return [];
  }
}
