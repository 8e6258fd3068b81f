/** Keeping a copy of a file the agent could not read, before anything overwrites it. */
import { copyFileSync, existsSync } from 'node:fs';

/** Copies `path` to a free `path.bad[.N]` and returns that name (undefined if it could not). */
export function keepDamagedCopy(path: string): string | undefined {
  let to = `${path}.bad`;
  for (let i = 1; existsSync(to); i++) to = `${path}.bad.${i}`;
  try {
    copyFileSync(path, to);
    return to;
  } catch {
    return undefined;
  }
}
