/**
 * What the transfer tests share: in-memory engines that record what they load, a logger
 * that keeps its lines, generated layers, and the cluster key of the loopback hosts.
 */
import type { Logger } from '../../../src/agent/logger.js';
import type { ImageArchive, LocalImage } from '../../../src/runtime/image-archive.js';
import type { TestImage } from './image-tar.js';

export const KEY = 'image-transfer-test-cluster-key';

export interface Logged {
  msg: string;
  fields: Record<string, unknown>;
}

export function logger(into: Logged[]): Logger {
  const put = (fields: object, msg?: string) => {
    into.push({ msg: msg ?? '', fields: fields as Record<string, unknown> });
  };
  const l: Logger = { info: put, warn: put, debug: put, error: put, child: () => l };
  return l;
}

/** An engine holding `images`, serving each as its archive (`served` may differ: a tampered copy). */
export function archive(images: LocalImage[], served = new Map<string, Buffer>()) {
  const loads: Buffer[] = [];
  const tags: string[] = [];
  const a: ImageArchive & { loads: Buffer[]; tags: string[] } = {
    loads,
    tags,
    tag: async (id, name) => {
      tags.push(`${name}=${id}`);
    },
    list: async () => images,
    save: async (id) => {
      const tar = served.get(id);
      if (!tar) throw new Error('no such image');
      return (async function* () {
        for (let at = 0; at < tar.length; at += 10_000) yield tar.subarray(at, at + 10_000);
      })();
    },
    load: async (src) => {
      const parts: Buffer[] = [];
      for await (const c of src) parts.push(c);
      loads.push(Buffer.concat(parts));
    },
  };
  return a;
}

export const local = (img: TestImage, layers = img.layers): LocalImage => ({
  id: img.id,
  tags: ['t/x:1'],
  layers,
  created: 1,
});

export const layers = (n: number, size: number) =>
  Array.from({ length: n }, (_, i) => Buffer.alloc(size, i + 1).fill(i * 7 + 3, 0, 17));
