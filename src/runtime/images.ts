/**
 * Images on a real Docker Engine: inspect, pull (`POST /images/create`, progress per
 * layer) and build (`POST /build`, the classic builder, with a context made as the docker
 * CLI makes it). The engine's refusals become the image error classes, so the agent can
 * say which registry refused and what to do.
 */
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { prepareContext } from './build-context.js';
import { BuildOutput } from './build-output.js';
import { dockerfileInstructions, stepLine } from './dockerfile-steps.js';
import {
  BuildContextError,
  BuildFailedError,
  type BuildStep,
  ImageNotInRegistryError,
  PullFailedError,
  RegistryAuthError,
  RegistryUnreachableError,
} from './image-errors.js';
import { parseImageRef, pullParams } from './image-ref.js';
import type { BuildImageOptions, BuildImageRequest, LayerProgress, PullImageOptions } from './image-types.js';
import { jsonMessages, messageError } from './json-messages.js';
import type { ImageInfo } from './types.js';

interface EngineFailure {
  statusCode?: number;
  code?: string;
  json?: { message?: string } | null;
  message?: string;
}

function engineMessage(err: unknown): string {
  const e = err as EngineFailure;
  return e?.json?.message ?? e?.message ?? String(err);
}

export type PullFailureKind = 'auth' | 'not-found' | 'unreachable' | 'other';

const AUTH =
  /no basic auth credentials|unauthorized|authentication required|access (?:to the resource )?(?:is )?denied|denied:/i;
const NOT_FOUND =
  /manifest unknown|not found: manifest|name unknown|repository .*not found|no such image|does not exist/i;
const UNREACHABLE =
  /connection refused|no such host|i\/o timeout|dial tcp|network is unreachable|no route to host|handshake timeout|server misbehaving|deadline exceeded|connection reset/i;

/** What kind of failure an engine's pull error is, from its words (and HTTP status). Pure. */
export function classifyPullFailure(message: string, statusCode?: number): PullFailureKind {
  if (AUTH.test(message)) return 'auth';
  if (statusCode === 404 || NOT_FOUND.test(message)) return 'not-found';
  if (UNREACHABLE.test(message)) return 'unreachable';
  return 'other';
}

/** The engine's reason without the URL it quotes: `connection refused`, `manifest unknown`. */
function shortReason(message: string): string {
  const m =
    /(connection refused|no such host|i\/o timeout|network is unreachable|no route to host|manifest unknown|name unknown)/i.exec(
      message,
    );
  return m ? m[1]!.toLowerCase() : message;
}

/** Drops undefined options: the query string would send them as empty values. */
function defined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] === undefined) delete o[k];
  return o;
}

export class DockerImages {
  constructor(
    private readonly docker: Docker,
    /** Resolves once the API version is agreed. */
    private readonly ready: () => Promise<unknown>,
    /** The runtime's error for an engine failure (engine unreachable and the rest). */
    private readonly fail: (err: unknown) => Error,
  ) {}

  private isEngineDown(err: unknown): boolean {
    return this.fail(err).name === 'EngineUnreachableError';
  }

  async info(ref: string): Promise<ImageInfo | undefined> {
    await this.ready();
    try {
      const i = (await this.docker.getImage(ref).inspect()) as {
        Id: string;
        RepoTags?: string[];
        Size?: number;
        Metadata?: { LastTagTime?: string };
      };
      const info: ImageInfo = { id: i.Id, repoTags: i.RepoTags ?? [], size: i.Size ?? 0 };
      const tagged = i.Metadata?.LastTagTime;
      if (tagged && !tagged.startsWith('0001-')) {
        const t = Date.parse(tagged);
        if (!Number.isNaN(t)) info.lastTagTime = t;
      }
      return info;
    } catch (err) {
      if ((err as EngineFailure).statusCode === 404) return undefined;
      throw this.fail(err);
    }
  }

  private pullError(
    ref: string,
    message: string,
    statusCode: number | undefined,
    opts: PullImageOptions,
    cause: unknown,
  ): Error {
    const registry = parseImageRef(ref).registry;
    switch (classifyPullFailure(message, statusCode)) {
      case 'auth':
        return new RegistryAuthError(
          ref,
          registry,
          opts.auth ? opts.authSource : undefined,
          opts.configFile ?? '~/.docker/config.json',
          { cause },
        );
      case 'not-found':
        return new ImageNotInRegistryError(ref, registry, shortReason(message), { cause });
      case 'unreachable':
        return new RegistryUnreachableError(ref, registry, shortReason(message), { cause });
      default:
        return new PullFailedError(ref, message, { cause });
    }
  }

  async pull(ref: string, opts: PullImageOptions = {}): Promise<void> {
    await this.ready();
    const { fromImage, tag } = pullParams(ref);
    let stream: NodeJS.ReadableStream;
    try {
      stream = (await this.docker.createImage(
        opts.auth as Docker.AuthConfig | undefined,
        defined({ fromImage, tag, abortSignal: opts.signal }),
      )) as NodeJS.ReadableStream;
    } catch (err) {
      if (this.isEngineDown(err)) throw this.fail(err);
      throw this.pullError(ref, engineMessage(err), (err as EngineFailure).statusCode, opts, err);
    }
    let failed: string | undefined;
    try {
      for await (const m of jsonMessages(stream as AsyncIterable<Buffer>)) {
        failed = messageError(m);
        if (failed !== undefined) break;
        if (!m.id || !m.status || m.status.startsWith('Pulling from')) continue;
        const p: LayerProgress = { layer: m.id, status: m.status };
        if (typeof m.progressDetail?.current === 'number') p.current = m.progressDetail.current;
        if (typeof m.progressDetail?.total === 'number') p.total = m.progressDetail.total;
        opts.onProgress?.(p);
      }
    } catch (err) {
      throw new PullFailedError(ref, `the engine's answer was cut: ${(err as Error).message}`, {
        cause: err,
      });
    }
    if (failed !== undefined) throw this.pullError(ref, failed, undefined, opts, undefined);
  }

  /** Builds and tags the image; resolves with its id. */
  async build(req: BuildImageRequest, opts: BuildImageOptions = {}): Promise<string> {
    await this.ready();
    const image = req.tags[0] ?? '(untagged)';
    const ctx = await prepareContext(req);
    let contextError: unknown;
    const tar = Readable.from(ctx.archive);
    tar.on('error', (err) => {
      contextError = err;
    });
    const out = new BuildOutput(opts.onOutput ?? (() => {}));
    const auths = req.registryAuths && Object.keys(req.registryAuths).length ? req.registryAuths : undefined;
    try {
      const stream = await this.docker.buildImage(
        tar as unknown as NodeJS.ReadableStream,
        defined({
          t: req.tags,
          dockerfile: ctx.dockerfile,
          buildargs: req.args && Object.keys(req.args).length ? req.args : undefined,
          target: req.target || undefined,
          labels: req.labels && Object.keys(req.labels).length ? req.labels : undefined,
          networkmode: req.network || undefined,
          extrahosts: req.extraHosts?.length ? req.extraHosts : undefined,
          shmsize: req.shmSize,
          nocache: req.noCache || undefined,
          pull: req.pull || undefined,
          cachefrom: req.cacheFrom?.length ? req.cacheFrom : undefined,
          rm: true,
          forcerm: true,
          registryconfig: auths,
          abortSignal: opts.signal,
        }) as unknown as Docker.ImageBuildOptions,
      );
      for await (const m of jsonMessages(stream as AsyncIterable<Buffer>)) out.add(m);
      out.flush();
    } catch (err) {
      if (contextError instanceof BuildContextError) throw contextError;
      if (this.isEngineDown(err)) throw this.fail(err);
      // A Dockerfile the builder cannot parse is refused before any step (HTTP 400).
      const msg = engineMessage(err)
        .replace(/^\(HTTP code \d+\) [a-z ]+ - /, '')
        .trim();
      throw new BuildFailedError(image, `${ctx.dockerfileLabel}: ${msg}`, undefined, { cause: err });
    }
    if (contextError instanceof BuildContextError) throw contextError;
    if (out.error !== undefined) {
      let step: BuildStep | undefined;
      if (out.step) {
        step = { ...out.step, file: ctx.dockerfileLabel };
        const line = stepLine(dockerfileInstructions(ctx.dockerfileText), out.step.index);
        if (line !== undefined) step.line = line;
      }
      throw new BuildFailedError(image, out.error, step);
    }
    if (out.imageId) return out.imageId;
    const built = await this.info(image);
    if (!built) throw new BuildFailedError(image, 'the builder ended without an image', undefined);
    return built.id;
  }
}
