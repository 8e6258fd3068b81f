/**
 * A build's context as the docker CLI sends it: the context directory as a tar stream,
 * without what `.dockerignore` leaves out (the Dockerfile and .dockerignore always go), and
 * a Dockerfile given inline or from outside the context added under a name of its own.
 * Only a local directory is a context: a git or HTTP URL would need the network.
 */
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { IgnoreMatcher, parseDockerignore } from './dockerignore.js';
import { BuildContextError } from './image-errors.js';
import type { BuildImageRequest } from './image-types.js';
import { endOfArchive, entryHeader, padding, type TarEntry } from './tar.js';
import { walk } from './tar-tree.js';

export interface PreparedContext {
  /** The archive, made as it is read. */
  archive: AsyncIterable<Buffer>;
  /** The Dockerfile's name inside the archive (the engine's `dockerfile` parameter). */
  dockerfile: string;
  /** Its text, to find the line of a failing step. */
  dockerfileText: string;
  /** How messages name it: its absolute path, or `dockerfile_inline`. */
  dockerfileLabel: string;
}

const GIT_URL = /^(git@|git:\/\/|github\.com\/)|\.git(#.*)?$/;

/** Why a context is not a local directory path, if it is not. */
export function remoteContextReason(context: string): string | undefined {
  if (isAbsolute(context) && !context.includes('://')) return undefined;
  if (GIT_URL.test(context) || /^https?:\/\/.*\.git\b/.test(context))
    return 'is a git repository URL; Fizz builds only from a local directory (it works offline): clone the repository and point build.context at the clone';
  return 'is not a local directory (a URL needs the network); Fizz builds only from a local directory: download it and point build.context at it';
}

async function* archive(
  root: string,
  ignore: IgnoreMatcher,
  extra: { entry: TarEntry; data: Buffer } | undefined,
): AsyncGenerator<Buffer> {
  try {
    yield* walk(
      root,
      '',
      (rel) => ignore.matches(rel),
      (rel) => ignore.mayIncludeBelow(rel),
    );
  } catch (err) {
    throw new BuildContextError(root, `cannot be read: ${(err as Error).message}`, { cause: err });
  }
  if (extra) {
    yield entryHeader(extra.entry);
    yield extra.data;
    yield padding(extra.data.length);
  }
  yield endOfArchive();
}

function toPosix(p: string): string {
  return p.split(sep).join('/');
}

export async function prepareContext(req: BuildImageRequest): Promise<PreparedContext> {
  const remote = remoteContextReason(req.context);
  if (remote) throw new BuildContextError(req.context, remote);
  try {
    if (!(await stat(req.context)).isDirectory()) throw new Error('not a directory');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : (err as Error).message;
    throw new BuildContextError(req.context, why, { cause: err });
  }

  let text: string;
  let name: string;
  let label: string;
  let extra: { entry: TarEntry; data: Buffer } | undefined;
  // Loaded here, not at the top: the CLI's start would pay ~2 ms for node:crypto.
  const { createHash } = await import('node:crypto');
  const outside = (data: Buffer, prefix: string) => {
    const n = `.dockerfile.${prefix}${createHash('sha256').update(data).digest('hex').slice(0, 12)}`;
    extra = { entry: { name: n, type: 'file', mode: 0o644, mtime: 0, size: data.length }, data };
    return n;
  };
  if (req.dockerfileInline !== undefined) {
    text = req.dockerfileInline;
    name = outside(Buffer.from(text, 'utf8'), 'inline.');
    label = 'dockerfile_inline';
  } else {
    const given = req.dockerfile ?? 'Dockerfile';
    const path = isAbsolute(given) ? given : join(req.context, given);
    let data: Buffer;
    try {
      data = await readFile(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new BuildContextError(
        req.context,
        code === 'ENOENT' ? `no Dockerfile at ${path}` : `the Dockerfile ${path} cannot be read (${code})`,
        { cause: err },
      );
    }
    text = data.toString('utf8');
    const rel = relative(req.context, path);
    name = rel.startsWith('..') || isAbsolute(rel) ? outside(data, '') : toPosix(rel);
    label = path;
  }

  let patterns: string[] = [];
  try {
    patterns = parseDockerignore(await readFile(join(req.context, '.dockerignore'), 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new BuildContextError(req.context, `.dockerignore cannot be read: ${(err as Error).message}`);
  }
  let ignore: IgnoreMatcher;
  try {
    ignore = new IgnoreMatcher(patterns);
    // As the docker CLI: the Dockerfile and .dockerignore are sent even when ignored.
    const keep = [name, '.dockerignore'].filter((f) => ignore.matches(f)).map((f) => `!${f}`);
    if (keep.length) ignore = new IgnoreMatcher([...patterns, ...keep]);
  } catch (err) {
    throw new BuildContextError(req.context, `.dockerignore: ${(err as Error).message}`, { cause: err });
  }
  return {
    archive: archive(req.context, ignore, extra),
    dockerfile: name,
    dockerfileText: text,
    dockerfileLabel: label,
  };
}
