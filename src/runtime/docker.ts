/**
 * `Runtime` on a real Docker Engine through dockerode. Negotiates the API version first
 * (Debian's engine 20.10 speaks 1.41 and refuses newer), maps the engine's refusals to
 * the runtime's error classes, and demultiplexes logs.
 */
import Docker from 'dockerode';
import { dockerExec } from './docker-exec.js';
import { engineFailure, type FailureContext } from './docker-failure.js';
import { dockerLogs } from './docker-logs.js';
import { DockerResources } from './docker-resources.js';
import { type EndpointOptions, engineEndpoint, parseEvent } from './engine.js';
import { ContainerNotFoundError, EngineError } from './errors.js';
import { DockerImageArchive } from './image-archive.js';
import type { BuildImageOptions, BuildImageRequest, PullImageOptions } from './image-types.js';
import { DockerImages } from './images.js';
import { fromInspect, fromListEntry, type InspectData, type ListEntry } from './observe.js';
import { translate } from './translate.js';
import {
  type ContainerInfo,
  type CreateRequest,
  type ExecOptions,
  type ExecSession,
  type ImageInfo,
  LABELS,
  type LogLine,
  type LogOptions,
  type NetworkOptions,
  type ProcessTable,
  type Runtime,
  type RuntimeEvent,
} from './types.js';
import { CLIENT_MAX_API, negotiateApi } from './version.js';

export interface DockerRuntimeOptions extends EndpointOptions {
  /** The newest API version to speak (default CLIENT_MAX_API). */
  clientMaxApi?: string;
}

export class DockerRuntime implements Runtime {
  readonly docker: Docker;
  readonly endpoint: string;
  private readonly clientMaxApi: string;
  private negotiated: Promise<string> | undefined;
  private readonly images: DockerImages;
  /** Project networks and volumes (docker-resources.ts). */
  private readonly resources: DockerResources;
  /** Images out and in as archives, for the peer-to-peer spread. */
  readonly archive: DockerImageArchive;

  constructor(opts: DockerRuntimeOptions = {}) {
    const where = engineEndpoint(opts);
    this.endpoint =
      'socketPath' in where ? `unix://${where.socketPath}` : `tcp://${where.host}:${where.port}`;
    this.docker = new Docker(where);
    this.clientMaxApi = opts.clientMaxApi ?? CLIENT_MAX_API;
    this.images = new DockerImages(
      this.docker,
      () => this.ready(),
      (err) => this.fail(err),
    );
    this.archive = new DockerImageArchive(this.docker, () => this.ready());
    this.resources = new DockerResources(
      this.docker,
      () => this.ready(),
      (err) => this.fail(err),
      (fn, ctx) => this.call(fn, ctx),
    );
  }

  /** Asks the engine its API version (unversioned /version) once, then pins the client to the agreed one. */
  private ready(): Promise<string> {
    this.negotiated ??= (async () => {
      try {
        const v = (await this.docker.version()) as { ApiVersion?: string };
        const api = negotiateApi(v.ApiVersion, this.clientMaxApi);
        (this.docker.modem as unknown as { version: string }).version = `v${api}`;
        return api;
      } catch (err) {
        this.negotiated = undefined;
        throw this.fail(err);
      }
    })();
    return this.negotiated;
  }

  /** The runtime's error for an engine failure (docker-failure.ts). */
  private fail(err: unknown, ctx: FailureContext = {}): Error {
    return engineFailure(err, this.endpoint, ctx);
  }

  protected async call<T>(fn: () => Promise<T>, ctx: FailureContext = {}): Promise<T> {
    await this.ready();
    try {
      return await fn();
    } catch (err) {
      throw this.fail(err, ctx);
    }
  }

  async list(project?: string): Promise<ContainerInfo[]> {
    const label = project === undefined ? LABELS.project : `${LABELS.project}=${project}`;
    const entries = await this.call(() =>
      this.docker.listContainers({ all: true, filters: { label: [label] } }),
    );
    return (entries as unknown as ListEntry[]).map(fromListEntry);
  }

  async inspect(id: string): Promise<ContainerInfo | undefined> {
    try {
      const data = await this.call(() => this.docker.getContainer(id).inspect(), { container: id });
      return fromInspect(data as unknown as InspectData);
    } catch (err) {
      if (err instanceof ContainerNotFoundError) return undefined;
      throw err;
    }
  }

  async create(req: CreateRequest): Promise<string> {
    const t = translate(req);
    const image = t.body.Image;
    const created = await this.call(
      () =>
        this.docker.createContainer({
          name: t.name,
          ...(t.body as unknown as Docker.ContainerCreateOptions),
        }),
      { image, name: t.name },
    );
    try {
      for (const c of t.connect) {
        await this.call(() =>
          this.docker.getNetwork(c.network).connect({ Container: created.id, EndpointConfig: c.endpoint }),
        );
      }
    } catch (err) {
      // Leave no half-made container behind.
      await this.docker
        .getContainer(created.id)
        .remove({ force: true })
        .catch(() => {});
      throw err;
    }
    return created.id;
  }

  async start(id: string): Promise<void> {
    try {
      await this.call(() => this.docker.getContainer(id).start(), { container: id });
    } catch (err) {
      if (err instanceof EngineError && err.statusCode === 304) return; // already started
      throw err;
    }
  }

  async stop(id: string, graceMs?: number): Promise<void> {
    const opts = graceMs === undefined ? {} : { t: Math.ceil(graceMs / 1000) };
    try {
      await this.call(() => this.docker.getContainer(id).stop(opts), { container: id });
    } catch (err) {
      if (err instanceof EngineError && err.statusCode === 304) return; // already stopped
      throw err;
    }
  }

  async kill(id: string, signal: string): Promise<void> {
    await this.call(() => this.docker.getContainer(id).kill({ signal }), { container: id });
  }

  async pause(id: string): Promise<void> {
    await this.call(() => this.docker.getContainer(id).pause(), { container: id });
  }

  async unpause(id: string): Promise<void> {
    await this.call(() => this.docker.getContainer(id).unpause(), { container: id });
  }

  async top(id: string): Promise<ProcessTable> {
    const t = (await this.call(() => this.docker.getContainer(id).top(), { container: id })) as {
      Titles?: string[];
      Processes?: string[][];
    };
    return { titles: t.Titles ?? [], processes: t.Processes ?? [] };
  }

  imageInfo(ref: string): Promise<ImageInfo | undefined> {
    return this.images.info(ref);
  }

  pullImage(ref: string, opts?: PullImageOptions): Promise<void> {
    return this.images.pull(ref, opts);
  }

  buildImage(req: BuildImageRequest, opts?: BuildImageOptions): Promise<string> {
    return this.images.build(req, opts);
  }

  async restart(id: string, graceMs?: number): Promise<void> {
    const opts = graceMs === undefined ? {} : { t: Math.ceil(graceMs / 1000) };
    await this.call(() => this.docker.getContainer(id).restart(opts), { container: id });
  }

  async remove(id: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    try {
      await this.call(
        () => this.docker.getContainer(id).remove({ force: opts.force ?? false, v: opts.volumes ?? false }),
        {
          container: id,
        },
      );
    } catch (err) {
      // Already being removed: the engine finishes the job.
      if (err instanceof EngineError && err.statusCode === 409 && /already in progress/.test(err.message))
        return;
      throw err;
    }
  }

  ensureNetwork(name: string, opts: NetworkOptions): Promise<void> {
    return this.resources.ensureNetwork(name, opts);
  }

  removeNetwork(name: string): Promise<void> {
    return this.resources.removeNetwork(name);
  }

  ensureVolume(
    name: string,
    opts: { project: string; driver?: string; labels?: Record<string, string> },
  ): Promise<void> {
    return this.resources.ensureVolume(name, opts);
  }

  removeVolume(name: string): Promise<void> {
    return this.resources.removeVolume(name);
  }

  projectResources(project: string, node?: string): Promise<{ networks: string[]; volumes: string[] }> {
    return this.resources.projectResources(project, node);
  }

  async hasImage(ref: string): Promise<boolean> {
    return (await this.images.info(ref)) !== undefined;
  }

  /**
   * Nothing is asked of the engine until the lines are read; stopping the reading early
   * closes the engine's stream (docker-logs.ts).
   */
  logs(id: string, opts: LogOptions): AsyncIterable<LogLine> {
    return dockerLogs(this.docker, (fn, ctx) => this.call(fn, ctx), id, opts);
  }

  async *events(signal: AbortSignal): AsyncIterable<RuntimeEvent> {
    const stream = (await this.call(() =>
      this.docker.getEvents({ filters: { type: ['container'], label: [LABELS.project] } }),
    )) as NodeJS.ReadableStream & { destroy(): void };
    const onAbort = () => stream.destroy();
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    let buffered = '';
    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        buffered += chunk.toString('utf8');
        const lines = buffered.split('\n');
        buffered = lines.pop()!;
        for (const line of lines) {
          const ev = parseEvent(line);
          if (ev) yield ev;
        }
      }
    } catch (err) {
      if (!signal.aborted) throw this.fail(err);
    } finally {
      signal.removeEventListener('abort', onAbort);
      stream.destroy();
    }
  }

  async info(): Promise<{ engineVersion: string; apiVersion: string }> {
    const api = await this.ready();
    const v = (await this.call(() => this.docker.version())) as { Version?: string };
    return { engineVersion: v.Version ?? 'unknown', apiVersion: api };
  }

  async exec(id: string, opts: ExecOptions): Promise<ExecSession> {
    await this.ready();
    return dockerExec(this.docker, (fn) => this.call(fn, { container: id }), id, opts);
  }
}
