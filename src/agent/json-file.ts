/**
 * The agent's small JSON files in FIZZ_HOME (the down and recreate journals, the projects'
 * compose files): read once at start, an unreadable one reported and read as empty; rewritten
 * whole, atomically and one write at a time.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** The parsed file; undefined when it does not exist, or does not read or parse (`onCorrupt` says why). */
export function readJsonFile(path: string, onCorrupt: (reason: string) => void): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') onCorrupt((err as Error).message);
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    onCorrupt((err as Error).message);
    return undefined;
  }
}

/** tmp file, fsync, rename over the target, fsync the directory: all or nothing on disk. */
export function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dir = openSync(dirname(path), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

/** Writes to one file in the order asked; each write takes the text it was given. */
export class SerialWriter {
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  write(text: string): Promise<void> {
    const next = this.writing.then(() => writeAtomic(this.path, text));
    this.writing = next.catch(() => {});
    return next;
  }

  /** Settles once the writes asked so far have. */
  idle(): Promise<void> {
    return this.writing;
  }
}
