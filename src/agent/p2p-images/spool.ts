/**
 * The receiving side's spool: the image archive a peer sends is unpacked into a directory
 * (hostile names refused by the tar reader), checked against the image id asked for, and
 * only then handed to the engine. What a broken transfer left behind counts on the next
 * try: each layer whose bytes hash to one of the image's diff ids is not asked for again.
 *
 * Checks, all before loading: the config's sha256 is the image id asked for; the manifest
 * names that config and one layer file per diff id; every layer file sent hashes to its
 * diff id; a layer not sent is one the engine has already (a leading chain of `engineHas`).
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { endOfArchive } from '../../runtime/tar.js';
import { safeName } from '../../runtime/tar-read.js';
import { walk } from '../../runtime/tar-tree.js';
import { CorruptImageError } from './errors.js';

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return `sha256:${h.digest('hex')}`;
}

/**
 * Digests taken while the files were written (extractTar's `hash`), by inode: a file is
 * looked up by the inode its path leads to now, so a name that aliases another file
 * (a symlink) gets that file's digest, and the last write to an inode is what counts.
 */
export type Hashed = ReadonlyMap<number, string>;

export function hashedOf(entries: ReadonlyArray<{ sha256?: string; ino?: number }>): Map<number, string> {
  const out = new Map<number, string>();
  for (const e of entries) if (e.sha256 !== undefined && e.ino !== undefined) out.set(e.ino, e.sha256);
  return out;
}

async function digestOf(path: string, hashed?: Hashed): Promise<string> {
  const known = hashed?.size ? hashed.get((await stat(path)).ino) : undefined;
  return known ?? (await sha256File(path));
}

/** The indexes of `layers` whose bytes are already in the spool, whole. */
export async function layersInSpool(spool: string, layers: readonly string[]): Promise<Set<number>> {
  const got = new Set<string>();
  if (!existsSync(spool)) return new Set();
  for (const dir of await readdir(spool)) {
    const file = join(spool, dir, 'layer.tar');
    if (existsSync(file) && (await stat(file)).isFile()) got.add(await sha256File(file));
  }
  const out = new Set<number>();
  layers.forEach((l, i) => {
    if (got.has(l)) out.add(i);
  });
  return out;
}

interface Manifest {
  Config: string;
  Layers: string[];
}

function manifestOf(v: unknown): Manifest {
  if (!Array.isArray(v) || v.length !== 1)
    throw new CorruptImageError('manifest.json does not name one image');
  const m = v[0] as Record<string, unknown>;
  if (
    typeof m?.Config !== 'string' ||
    !Array.isArray(m.Layers) ||
    !m.Layers.every((l) => typeof l === 'string')
  )
    throw new CorruptImageError('manifest.json is not an image manifest');
  return { Config: safeName(m.Config), Layers: (m.Layers as string[]).map(safeName) };
}

/**
 * Throws CorruptImageError unless the spool holds image `id` whole (see the file's comment).
 * `engineHas`: how many leading layers the engine has, which the sender left out; `hashed`:
 * the digests of the files this try wrote, taken as they arrived (others are read again).
 */
export async function verifySpool(
  spool: string,
  id: string,
  engineHas: number,
  hashed?: Hashed,
): Promise<void> {
  let manifest: Manifest;
  try {
    manifest = manifestOf(JSON.parse(await readFile(join(spool, 'manifest.json'), 'utf8')));
  } catch (err) {
    if (err instanceof CorruptImageError) throw err;
    throw new CorruptImageError(`manifest.json is missing or not JSON (${(err as Error).message})`);
  }
  const configPath = join(spool, manifest.Config);
  if (!existsSync(configPath)) throw new CorruptImageError('the image config is missing');
  const configId = await digestOf(configPath, hashed);
  if (configId !== id) throw new CorruptImageError(`the image config is ${configId}, not ${id}`);
  const config = JSON.parse(await readFile(configPath, 'utf8')) as { rootfs?: { diff_ids?: unknown } };
  const diffIds = config.rootfs?.diff_ids;
  if (!Array.isArray(diffIds) || diffIds.length !== manifest.Layers.length)
    throw new CorruptImageError('the manifest and the config disagree on the layers');
  for (const [i, rel] of manifest.Layers.entries()) {
    const file = join(spool, rel);
    if (!existsSync(file)) {
      if (i < engineHas) continue;
      throw new CorruptImageError(`layer ${i + 1} of ${diffIds.length} (${rel}) was not sent`);
    }
    const got = await digestOf(file, hashed);
    if (got !== diffIds[i])
      throw new CorruptImageError(`layer ${i + 1} of ${diffIds.length} hashes to ${got}, not ${diffIds[i]}`);
  }
}

/** The spool as one archive for the engine's load. */
export async function* spoolArchive(spool: string): AsyncGenerator<Buffer> {
  yield* walk(spool, '');
  yield endOfArchive();
}
