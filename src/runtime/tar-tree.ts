/**
 * A directory tree as tar entries, read as the archive is consumed: a build's context
 * (build-context.ts) and what `fizz cp` sends into a container.
 */
import { lstat, open, readdir, readlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { endOfArchive, entryHeader, padding } from './tar.js';

const CHUNK = 64 * 1024;

export async function* fileData(path: string, size: number): AsyncGenerator<Buffer> {
  const fh = await open(path, 'r');
  try {
    let done = 0;
    while (done < size) {
      const buf = Buffer.alloc(Math.min(CHUNK, size - done));
      const { bytesRead } = await fh.read(buf, 0, buf.length, done);
      // A file that shrank while being read is padded: the header already gave its size.
      if (bytesRead === 0) {
        yield Buffer.alloc(size - done);
        break;
      }
      done += bytesRead;
      yield bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

/**
 * The entries under `root/dir`, depth first in name order, named from `root` (`dir/a`, `dir/b/c`).
 * `skip(rel)` leaves an entry out; a skipped directory is still walked when `below(rel)`
 * says something under it may be kept (a `.dockerignore` exception).
 */
export async function* walk(
  root: string,
  dir: string,
  skip: (rel: string) => boolean = () => false,
  below: (rel: string) => boolean = () => false,
  /** The name in the archive of the entry at `rel`. */
  nameOf: (rel: string) => string = (rel) => rel,
): AsyncGenerator<Buffer> {
  const names = (await readdir(join(root, dir))).sort();
  for (const name of names) {
    const rel = dir === '' ? name : `${dir}/${name}`;
    const abs = join(root, rel);
    const st = await lstat(abs);
    if (skip(rel)) {
      if (st.isDirectory() && below(rel)) yield* walk(root, rel, skip, below, nameOf);
      continue;
    }
    const base = { name: nameOf(rel), mode: st.mode, mtime: Math.floor(st.mtimeMs / 1000) };
    if (st.isDirectory()) {
      yield entryHeader({ ...base, type: 'dir' });
      yield* walk(root, rel, skip, below, nameOf);
    } else if (st.isSymbolicLink()) {
      yield entryHeader({ ...base, type: 'symlink', linkname: await readlink(abs) });
    } else if (st.isFile()) {
      yield entryHeader({ ...base, type: 'file', size: st.size });
      yield* fileData(abs, st.size);
      yield padding(st.size);
    }
    // Sockets, pipes and devices are not archived (a build context, `fizz cp`).
  }
}

/**
 * `path` (a file, a symlink or a directory with everything under it) as a whole archive,
 * its top entry named `name`.
 */
export async function* archivePath(path: string, name = basename(path)): AsyncGenerator<Buffer> {
  const st = await lstat(path);
  const base = { name, mode: st.mode, mtime: Math.floor(st.mtimeMs / 1000) };
  if (st.isDirectory()) {
    yield entryHeader({ ...base, type: 'dir' });
    yield* walk(path, '', undefined, undefined, (rel) => `${name}/${rel}`);
  } else if (st.isSymbolicLink()) {
    yield entryHeader({ ...base, type: 'symlink', linkname: await readlink(path) });
  } else {
    yield entryHeader({ ...base, type: 'file', size: st.size });
    yield* fileData(path, st.size);
    yield padding(st.size);
  }
  yield endOfArchive();
}
