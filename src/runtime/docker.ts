/**
 * `Runtime` on a real Docker Engine through dockerode. Negotiates the API version first
 * (Debian's engine 20.10 speaks 1.41 and refuses newer), maps the engine's refusals to
 * the runtime's error classes, and demultiplexes logs.
 */
import { Readable } from 'node:stream';
import Docker from 'dockerode';
import { dockerExec } from './docker-exec.js';
import { type EndpointOptions, engineEndpoint, isPortInUse, parseEvent, portFromMessage } from './engine.js';
import {
  ContainerNotFoundError,
  EngineError,
  EngineUnreachableError,
  ImageNotFoundError,
  NameConflictError,
  PortInUseError,
} from './errors.js';
import { DockerImageArchive } from './image-archive.js';
import type { BuildImageOptions, BuildImageRequest, PullImageOptions } from './image-types.js';
import { DockerImages } from './images.js';
import { LineQueue } from './lines.js';
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

interface EngineFailure {
  statusCode?: number;
  code?: string;
  json?: { message?: string } | null;
  message?: string;
  reason?: string;
}

/** What the failed call was about, so a 404 or 409 can name the right thing. */
interface FailureContext {
  /** The image being created from: a 404 "No such image" is an ImageNotFoundError. */
  image?: string;
  /** The container operated on: a 404 is a ContainerNotFoundError. */
  container?: string;
  /** The name being created: a 409 "already in use" is a NameConflictError. */
  name?: string;
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'EACCES',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);

function engineMessage(err: unknown): string {
  const e = err as EngineFailure;
  return e.json?.message ?? e.message ?? String(err);
}

export class DockerRuntime implements Runtime {
  readonly docker: Docker;
  readonly endpoint: string;
  private readonly clientMaxApi: string;
  private negotiated: Promise<string> | undefined;
  private readonly images: DockerImages;
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

  /** The runtime's error for an engine failure. */
  private fail(err: unknown, ctx: FailureContext = {}): Error {
    const e = err as EngineFailure;
    if (e?.code && UNREACHABLE.has(e.code)) return new EngineUnreachableError(this.endpoint, { cause: err });
    const msg = engineMessage(err);
    if (isPortInUse(msg))
      return new PortInUseError(portFromMessage(msg), ctx.container ?? '?', { cause: err });
    if (e?.statusCode === 404 && ctx.image && /no such image/i.test(msg))
      return new ImageNotFoundError(ctx.image, { cause: err });
    // A 404 while starting may be about the container's network, not the container.
    if (e?.statusCode === 404 && ctx.container && /no such container/i.test(msg))
      return new ContainerNotFoundError(ctx.container, { cause: err });
    if (e?.statusCode === 409 && ctx.name && /already in use/.test(msg))
      return new NameConflictError(ctx.name, { cause: err });
    return new EngineError(e?.statusCode, msg, { cause: err });
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

  private resourceLabels(project: string, labels?: Record<string, string>): Record<string, string> {
    return { [LABELS.composeProject]: project, ...labels, [LABELS.project]: project };
  }

  async ensureNetwork(name: string, opts: NetworkOptions): Promise<void> {
    await this.ready();
    try {
      await this.docker.getNetwork(name).inspect();
      return;
    } catch (err) {
      if ((err as EngineFailure).statusCode !== 404) throw this.fail(err);
    }
    try {
      await this.docker.createNetwork({
        Name: name,
        Driver: opts.driver ?? 'bridge',
        CheckDuplicate: true,
        Labels: this.resourceLabels(opts.project, opts.labels),
        ...(opts.subnet ? { IPAM: { Driver: 'default', Config: [{ Subnet: opts.subnet }] } } : {}),
        ...(opts.options ? { Options: opts.options } : {}),
      });
    } catch (err) {
      if ((err as EngineFailure).statusCode === 409) return; // made by a concurrent caller
      throw this.fail(err);
    }
  }

  async removeNetwork(name: string): Promise<void> {
    try {
      await this.call(() => this.docker.getNetwork(name).remove());
    } catch (err) {
      if (err instanceof EngineError && err.statusCode === 404) return;
      throw err;
    }
  }

  async ensureVolume(
    name: string,
    opts: { project: string; driver?: string; labels?: Record<string, string> },
  ): Promise<void> {
    await this.ready();
    try {
      await this.docker.getVolume(name).inspect();
      return;
    } catch (err) {
      if ((err as EngineFailure).statusCode !== 404) throw this.fail(err);
    }
    await this.call(() =>
      this.docker.createVolume({
        Name: name,
        Driver: opts.driver ?? 'local',
        Labels: this.resourceLabels(opts.project, opts.labels),
      }),
    );
  }

  async removeVolume(name: string): Promise<void> {
    try {
      await this.call(() => this.docker.getVolume(name).remove());
    } catch (err) {
      if (err instanceof EngineError && err.statusCode === 404) return;
      throw err;
    }
  }

  async projectResources(project: string, node?: string): Promise<{ networks: string[]; volumes: string[] }> {
    const filters = { label: [`${LABELS.project}=${project}`] };
    const [nets, vols] = await this.call(() =>
      Promise.all([this.docker.listNetworks({ filters }), this.docker.listVolumes({ filters })]),
    );
    const mine = (labels: Record<string, string> | null | undefined) =>
      node === undefined || (labels?.[LABELS.node] ?? node) === node;
    return {
      networks: nets
        .filter((n) => mine(n.Labels))
        .map((n) => n.Name)
        .sort(),
      volumes: (vols.Volumes ?? [])
        .filter((v) => mine(v.Labels))
        .map((v) => v.Name)
        .sort(),
    };
  }

  async hasImage(ref: string): Promise<boolean> {
    return (await this.images.info(ref)) !== undefined;
  }

  /**
   * Nothing is asked of the engine until the lines are read; stopping the reading early
   * closes the engine's stream.
   */
  logs(id: string, opts: LogOptions): AsyncIterable<LogLine> {
    return {
      [Symbol.asyncIterator]: () => {
        let source: Readable | undefined;
        let closed = false;
        const close = () => {
          closed = true;
          source?.destroy();
        };
        const queue = new LineQueue(id, opts.timestamps ?? false, close);
        this.pipeLogs(id, opts, queue, (s) => {
          source = s;
          if (closed) s.destroy();
        }).then(
          () => queue.end(),
          (err) => queue.end(err),
        );
        const lines = queue[Symbol.asyncIterator]();
        // A reader that stops while a read waits (a quiet container, followed) must not wait
        // for the next line to release the engine's stream: return() would queue behind it.
        return {
          next: () => lines.next(),
          return: (value?: unknown) => {
            close();
            queue.end();
            return lines.return!(value as LogLine);
          },
          throw: (err?: unknown) => {
            close();
            queue.end();
            return lines.throw!(err);
          },
        };
      },
    };
  }

  private async pipeLogs(
    id: string,
    opts: LogOptions,
    queue: LineQueue,
    opened: (s: Readable) => void,
  ): Promise<void> {
    const container = this.docker.getContainer(id);
    const info = (await this.call(() => container.inspect(), { container: id })) as unknown as InspectData;
    const params = {
      follow: opts.follow ?? false,
      stdout: true,
      stderr: true,
      timestamps: opts.timestamps ?? false,
      ...(opts.tail === undefined ? {} : { tail: opts.tail }),
      ...(opts.since === undefined ? {} : { since: Math.floor(opts.since / 1000) }),
    };
    // Without follow the engine answers with one buffer, with follow a stream.
    const data = (await this.call(
      () => container.logs(params as Docker.ContainerLogsOptions & { follow: false }),
      {
        container: id,
      },
    )) as unknown as Readable | Buffer;
    const source = Buffer.isBuffer(data) ? Readable.from([data]) : data;
    opened(source);
    const done = new Promise<void>((resolve, reject) => {
      source.on('end', resolve);
      source.on('close', resolve);
      source.on('error', reject);
    });
    // demuxStream only calls write(); writing straight into the queue keeps the order
    // and loses nothing at the end of the stream.
    const out = { write: (c: Buffer) => queue.write('stdout', c) };
    const err = { write: (c: Buffer) => queue.write('stderr', c) };
    if (info.Config?.Tty) source.on('data', (c: Buffer) => queue.write('stdout', c));
    else
      this.docker.modem.demuxStream(
        source,
        out as unknown as NodeJS.WritableStream,
        err as unknown as NodeJS.WritableStream,
      );
    await done;
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
