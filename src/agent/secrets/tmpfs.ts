/**
 * Where opened secrets and configs live on the host: a directory on a memory file system
 * (tmpfs), one subdirectory per container, each file bind-mounted read-only into its
 * container. Docker Swarm does the same (its secrets sit on a tmpfs under the engine's run
 * directory). Not a tmpfs inside the container: the engine empties one of those whenever the
 * container stops, so a container its restart policy restarts would come back without them.
 * A directory that is not memory-backed is refused: the value would reach the disk.
 */
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SecretInputError, SecretStorageError } from './errors.js';
import type { MountFile } from './mounts.js';

const TMPFS_MAGIC = 0x01021994;
const RAMFS_MAGIC = 0x858458f6;

export function isMemoryFs(path: string): boolean {
  try {
    const t = Number(statfsSync(path).type);
    return t === TMPFS_MAGIC || t === RAMFS_MAGIC;
  } catch {
    return false;
  }
}

/**
 * The directory for this FIZZ_HOME's files: FIZZ_SECRETS_DIR when set, else the first of
 * $XDG_RUNTIME_DIR, /run and /dev/shm that is a tmpfs, under `fizz-<uid>/<home hash>`.
 */
export function secretsRoot(home: string, env: NodeJS.ProcessEnv = process.env): string {
  const given = env.FIZZ_SECRETS_DIR;
  const candidates = given ? [given] : [env.XDG_RUNTIME_DIR, '/run', '/dev/shm'].filter(Boolean);
  const base = candidates.find((c) => isMemoryFs(c!));
  if (!base)
    throw new SecretStorageError(
      `no memory-backed directory for secrets (${candidates.join(', ')} ${given ? 'is' : 'are'} not tmpfs): set FIZZ_SECRETS_DIR to a tmpfs directory`,
    );
  const uid = process.getuid?.() ?? 0;
  const sub = createHash('sha256').update(home).digest('hex').slice(0, 12);
  return given ? join(base, sub) : join(base, `fizz-${uid}`, sub);
}

export class TmpfsFiles {
  constructor(private readonly root: string) {}

  dir(key: string): string {
    if (!/^[0-9a-f]{16,64}$/.test(key)) throw new SecretInputError(`invalid files key "${key}"`);
    return join(this.root, key);
  }

  /** Writes a container's files; returns each one's host path, in the order given. */
  write(key: string, files: MountFile[]): string[] {
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    chmodSync(this.root, 0o700);
    const dir = this.dir(key);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { mode: 0o700 });
    return files.map((f, i) => {
      const path = join(dir, `${f.kind}-${i}`);
      writeFileSync(path, f.data, { mode: 0o600 });
      try {
        chownSync(path, f.uid, f.gid);
      } catch (err) {
        if (f.uid !== 0 || f.gid !== 0 || (process.getuid?.() ?? 0) === 0)
          throw new SecretInputError(
            `${f.kind} "${f.source}": cannot give it to uid ${f.uid} gid ${f.gid}: ${(err as Error).message}`,
          );
      }
      chmodSync(path, f.mode);
      return path;
    });
  }

  remove(key: string): void {
    rmSync(this.dir(key), { recursive: true, force: true });
  }
}
