/**
 * Image archives as `docker save` writes them (a directory per layer with its layer.tar,
 * the config named by its sha256, manifest.json), made in memory for the transfer tests.
 */
import { createHash } from 'node:crypto';
import { endOfArchive, entryHeader, padding } from '../../../src/runtime/tar.js';

export interface TestImage {
  id: string;
  layers: string[];
  tar: Buffer;
}

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function file(name: string, data: Buffer): Buffer[] {
  return [
    entryHeader({ name, type: 'file', mode: 0o644, mtime: 0, size: data.length }),
    data,
    padding(data.length),
  ];
}

/** An image of these layer contents; `tamper(i)` flips a byte of layer i in the archive only. */
export function testImage(contents: Buffer[], tamper?: number): TestImage {
  const layers = contents.map(sha);
  const config = Buffer.from(JSON.stringify({ rootfs: { type: 'layers', diff_ids: layers } }));
  const id = sha(config);
  const dirs = contents.map((_, i) => createHash('sha256').update(`${id}/${i}`).digest('hex'));
  const parts: Buffer[] = [];
  contents.forEach((c, i) => {
    const data = Buffer.from(c);
    const k = data.length >> 1;
    if (tamper === i) data[k] = data[k]! ^ 0xff;
    parts.push(entryHeader({ name: dirs[i]!, type: 'dir', mode: 0o755, mtime: 0 }));
    parts.push(...file(`${dirs[i]}/VERSION`, Buffer.from('1.0')));
    parts.push(...file(`${dirs[i]}/layer.tar`, data));
  });
  parts.push(...file(`${id.slice(7)}.json`, config));
  const manifest = [
    { Config: `${id.slice(7)}.json`, RepoTags: ['t/x:1'], Layers: dirs.map((d) => `${d}/layer.tar`) },
  ];
  parts.push(...file('manifest.json', Buffer.from(JSON.stringify(manifest))));
  parts.push(endOfArchive());
  return { id, layers, tar: Buffer.concat(parts) };
}
