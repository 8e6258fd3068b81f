/**
 * Images as archives on a real Docker Engine, for the peer-to-peer spread
 * (src/agent/p2p-images/): what the engine holds with each image's layers (`GET /images/json`,
 * then one inspect per image not seen before), an image out as `docker save` makes it
 * (`GET /images/{id}/get`) and an archive in as `docker load` takes it (`POST /images/load`).
 */
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { jsonMessages, messageError } from './json-messages.js';

/** An image the engine holds: id, `repo:tag` names, layer diff ids in order, creation time. */
export interface LocalImage {
  id: string;
  tags: string[];
  layers: string[];
  /** Seconds since the epoch. */
  created: number;
}

/** What the spread needs of an engine (a fake takes its place in unit tests). */
export interface ImageArchive {
  list(): Promise<LocalImage[]>;
  save(id: string, signal?: AbortSignal): Promise<AsyncIterable<Buffer>>;
  load(archive: AsyncIterable<Buffer>, signal?: AbortSignal): Promise<void>;
  /** Names image `id` `repo:tag` (a save by id carries no names). */
  tag(id: string, repoTag: string): Promise<void>;
}

export class DockerImageArchive implements ImageArchive {
  /** Layers by image id: an image's layers never change, so each is inspected once. */
  private readonly layers = new Map<string, string[]>();

  constructor(
    private readonly docker: Docker,
    private readonly ready: () => Promise<unknown>,
  ) {}

  async list(): Promise<LocalImage[]> {
    await this.ready();
    const all = (await this.docker.listImages()) as Array<{
      Id: string;
      RepoTags?: string[];
      Created?: number;
    }>;
    const out: LocalImage[] = [];
    const seen = new Set<string>();
    for (const i of all) {
      seen.add(i.Id);
      let layers = this.layers.get(i.Id);
      if (!layers) {
        try {
          const x = (await this.docker.getImage(i.Id).inspect()) as { RootFS?: { Layers?: string[] } };
          layers = x.RootFS?.Layers ?? [];
        } catch {
          continue; // removed meanwhile
        }
        this.layers.set(i.Id, layers);
      }
      const tags = (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
      out.push({ id: i.Id, tags, layers, created: i.Created ?? 0 });
    }
    for (const id of this.layers.keys()) if (!seen.has(id)) this.layers.delete(id);
    return out;
  }

  async save(id: string, signal?: AbortSignal): Promise<AsyncIterable<Buffer>> {
    await this.ready();
    const stream = (await this.docker.getImage(id).get()) as NodeJS.ReadableStream & { destroy(): void };
    signal?.addEventListener('abort', () => stream.destroy(), { once: true });
    return stream as unknown as AsyncIterable<Buffer>;
  }

  async load(archive: AsyncIterable<Buffer>, signal?: AbortSignal): Promise<void> {
    await this.ready();
    const body = Readable.from(archive);
    const res = (await this.docker.loadImage(
      body as unknown as NodeJS.ReadableStream,
      {
        quiet: true,
        ...(signal ? { abortSignal: signal } : {}),
      } as object,
    )) as NodeJS.ReadableStream;
    // The engine answers JSON messages; an error among them means nothing was loaded.
    for await (const m of jsonMessages(res as AsyncIterable<Buffer>)) {
      const failed = messageError(m);
      if (failed !== undefined) throw new Error(`the engine refused the image: ${failed}`);
    }
  }

  async tag(id: string, repoTag: string): Promise<void> {
    await this.ready();
    const colon = repoTag.lastIndexOf(':');
    const split = colon > repoTag.lastIndexOf('/');
    await this.docker.getImage(id).tag({
      repo: split ? repoTag.slice(0, colon) : repoTag,
      tag: split ? repoTag.slice(colon + 1) : 'latest',
    });
  }
}
