/**
 * Mounts a host engine leaves under its directories when it is killed: the data-root bind
 * mount, overlay `merged` directories, the containers' network namespace files. A restarted
 * engine cleans its own; `down` unmounts whatever is left before it deletes the directory.
 */
import { readFileSync } from 'node:fs';
import { run } from './sh.js';

/** Pure: the mount points of a /proc/<pid>/mountinfo text (field 5, octal escapes decoded). */
export function mountPoints(mountinfo: string): string[] {
  return mountinfo
    .split('\n')
    .filter(Boolean)
    .map((line) =>
      line.split(' ')[4]!.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))),
    );
}

export function mountsUnder(dir: string): string[] {
  const all = mountPoints(readFileSync('/proc/self/mountinfo', 'utf8'));
  return [...new Set(all.filter((m) => m === dir || m.startsWith(`${dir}/`)))];
}

/** Unmounts everything at or under `dir`, deepest first; lazily, so a busy mount cannot stop `down`. */
export async function unmountUnder(dir: string): Promise<void> {
  // A path can be mounted more than once (stacked): go until none is left.
  for (let round = 0; round < 5; round++) {
    const mounts = mountsUnder(dir).sort((a, b) => b.length - a.length);
    if (mounts.length === 0) return;
    await run(['umount', '-l', ...mounts]);
  }
  const left = mountsUnder(dir);
  if (left.length) throw new Error(`still mounted after umount: ${left.join(', ')}`);
}
