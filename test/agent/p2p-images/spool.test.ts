/**
 * Digests checked while the archive arrives (spool.ts, extractTar's `hash`): the digest
 * taken of a file as it was written is the one of what the file holds, even when a later
 * entry writes to it again through a symlink; and a layer whose bytes differ from its
 * diff id is still found without reading the spool again.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { hashedOf, sha256File, verifySpool } from '../../../src/agent/p2p-images/spool.js';
import { endOfArchive, entryHeader, padding } from '../../../src/runtime/tar.js';
import { extractTar } from '../../../src/runtime/tar-read.js';
import { layers } from './engines.js';
import { testImage } from './image-tar.js';

async function* chunks(tar: Buffer, size = 4096): AsyncGenerator<Buffer> {
  for (let at = 0; at < tar.length; at += size) yield tar.subarray(at, at + size);
}

function spool(t: import('node:test').TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'fizz-spool-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a digest taken while writing is that of what the file holds, also when written again through a symlink', async (t) => {
  const dir = spool(t);
  const [a, b] = [Buffer.alloc(5000, 1), Buffer.alloc(7000, 2)];
  const file = (name: string, data: Buffer) => [
    entryHeader({ name, type: 'file', mode: 0o644, mtime: 0, size: data.length }),
    data,
    padding(data.length),
  ];
  const tar = Buffer.concat([
    entryHeader({ name: 'x', type: 'dir', mode: 0o755, mtime: 0 }),
    ...file('x/layer.tar', a),
    entryHeader({ name: 'alias', type: 'symlink', mode: 0o777, mtime: 0, linkname: 'x' }),
    ...file('alias/layer.tar', b),
    endOfArchive(),
  ]);
  const hashed = hashedOf(await extractTar(chunks(tar), dir, undefined, { anyRoot: true, hash: true }));
  assert.ok(readFileSync(join(dir, 'x/layer.tar')).equals(b), 'the second entry overwrote the first');
  assert.equal(hashed.size, 1, 'one file, written twice');
  assert.equal([...hashed.values()][0], await sha256File(join(dir, 'x/layer.tar')));
});

test('a layer that is not its diff id is found from the digests taken as it arrived', async (t) => {
  const img = testImage(layers(3, 50_000));
  const bad = testImage(layers(3, 50_000), 2);
  const good = spool(t);
  await verifySpool(
    good,
    img.id,
    0,
    hashedOf(await extractTar(chunks(img.tar), good, undefined, { anyRoot: true, hash: true })),
  );
  const dir = spool(t);
  const hashed = hashedOf(await extractTar(chunks(bad.tar), dir, undefined, { anyRoot: true, hash: true }));
  await assert.rejects(verifySpool(dir, img.id, 0, hashed), {
    name: 'CorruptImageError',
    message: /layer 3 of 3 hashes to sha256:/,
  });
});
