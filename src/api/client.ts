/**
 * The CLI's side of the local API: a thin HTTP client over the agent's unix socket.
 * Operations are async generators of decoded events; the last event is always `done`
 * (a stream cut short yields a failed `done`).
 */
import { type IncomingMessage, request } from 'node:http';
import {
  decodeImagesResponse,
  decodeInfo,
  decodeInspectResponse,
  decodeLogLine,
  decodeLsResponse,
  decodeOpEvent,
  decodePsResponse,
  decodeTopResponse,
  parseJson,
  refusal,
} from './decode.js';
import { decodeImageListResponse } from './decode-images.js';
import { AgentAccessError, AgentGoneError, AgentUnreachableError } from './errors.js';
import { type ExecIo, runExec } from './exec-client.js';
import { readLines } from './ndjson.js';
import {
  type BuildRequest,
  type DownRequest,
  type ExecRequest,
  type ImageListResponse,
  type ImagePushRequest,
  type ImagesResponse,
  type InfoResponse,
  type InspectResponse,
  type KillRequest,
  type LogEvent,
  type LogNotice,
  type LsResponse,
  type OpEvent,
  type PsResponse,
  type PullRequest,
  ROUTES,
  type ScaleRequest,
  type ServicesRequest,
  type TopResponse,
  type UpRequest,
} from './protocol.js';
import { DialAgent, type Dialer, transportOptions } from './transport.js';

export interface LogsOptions {
  project: string;
  services?: string[];
  follow?: boolean;
  tail?: number;
}

const UNREACHABLE = new Set(['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTSOCK']);
const DENIED = new Set(['EACCES', 'EPERM']);

export class AgentClient {
  /** The agent's last answer to `info` (its warnings are shown by every command). */
  lastInfo: InfoResponse | undefined;

  /** Connections `dial` opened, kept for the next request. */
  private readonly dialer: DialAgent | undefined;

  /** `socket` names the agent in messages; `dial`, when given, replaces connecting to it. */
  constructor(
    readonly socket: string,
    dial?: Dialer,
  ) {
    this.dialer = dial ? new DialAgent(dial) : undefined;
  }

  private send(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        {
          ...transportOptions(this.socket, this.dialer),
          method,
          path,
          headers: payload
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {},
          signal,
        },
        resolve,
      );
      req.on('error', (err: NodeJS.ErrnoException) => {
        reject(
          err.code && UNREACHABLE.has(err.code)
            ? new AgentUnreachableError(this.socket, { cause: err })
            : err.code && DENIED.has(err.code)
              ? new AgentAccessError(this.socket, { cause: err })
              : err,
        );
      });
      req.end(payload);
    });
  }

  private async ok(res: IncomingMessage): Promise<IncomingMessage> {
    if (res.statusCode === 200) return res;
    throw await refusal(res);
  }

  private async json(path: string): Promise<unknown> {
    const res = await this.ok(await this.send('GET', path));
    const chunks: Buffer[] = [];
    try {
      for await (const c of res as AsyncIterable<Buffer>) chunks.push(c);
    } catch (err) {
      throw new AgentGoneError(this.socket, { cause: err });
    }
    if (!res.complete) throw new AgentGoneError(this.socket);
    return parseJson(Buffer.concat(chunks).toString('utf8'), path);
  }

  /** GET a JSON answer (routes outside the compose core: cluster-api.ts). */
  getJson(path: string): Promise<unknown> {
    return this.json(path);
  }

  /** POST a JSON request and read its JSON answer. */
  async postJson(path: string, body: unknown): Promise<unknown> {
    const res = await this.ok(await this.send('POST', path, body));
    const chunks: Buffer[] = [];
    for await (const c of res as AsyncIterable<Buffer>) chunks.push(c);
    return parseJson(Buffer.concat(chunks).toString('utf8'), path);
  }

  /** GET an NDJSON stream, line by line, until it ends or `signal` aborts (`fizz events`). */
  async *getLines(path: string, signal?: AbortSignal): AsyncGenerator<unknown> {
    yield* this.lines(await this.ok(await this.send('GET', path, undefined, signal)));
  }

  /** POST a streamed operation: progress events, then `done`. */
  operation(path: string, body: unknown): AsyncGenerator<OpEvent> {
    return this.op(path, body);
  }

  /** The lines of an NDJSON answer; a connection cut before its end is AgentGoneError. */
  private async *lines(res: IncomingMessage): AsyncGenerator<unknown> {
    try {
      yield* readLines(res as AsyncIterable<Buffer>);
    } catch (err) {
      if ((err as Error).name === 'ApiDecodeError') throw err;
      throw new AgentGoneError(this.socket, { cause: err });
    }
  }

  /** The agent's identity; with `engine`, the container engine's version too. */
  async info(engine = false): Promise<InfoResponse> {
    this.lastInfo = decodeInfo(await this.json(engine ? `${ROUTES.info}?engine=1` : ROUTES.info));
    return this.lastInfo;
  }

  async ps(project: string | undefined, all: boolean): Promise<PsResponse> {
    const q = new URLSearchParams();
    if (project) q.set('project', project);
    if (all) q.set('all', '1');
    return decodePsResponse(await this.json(`${ROUTES.ps}?${q}`));
  }

  private async *op(path: string, body: unknown): AsyncGenerator<OpEvent> {
    const res = await this.ok(await this.send('POST', path, body));
    let sawDone = false;
    for await (const line of this.lines(res)) {
      const ev = decodeOpEvent(line);
      if (ev.type === 'done') sawDone = true;
      yield ev;
    }
    if (!sawDone) yield { type: 'done', ok: false, errors: ['the agent closed the stream before finishing'] };
  }

  up(req: UpRequest): AsyncGenerator<OpEvent> {
    return this.op(ROUTES.up, req);
  }

  down(req: DownRequest): AsyncGenerator<OpEvent> {
    return this.op(ROUTES.down, req);
  }

  start(req: ServicesRequest): AsyncGenerator<OpEvent> {
    return this.op(ROUTES.start, req);
  }

  stop(req: ServicesRequest): AsyncGenerator<OpEvent> {
    return this.op(ROUTES.stop, req);
  }

  restart(req: ServicesRequest): AsyncGenerator<OpEvent> {
    return this.op(ROUTES.restart, req);
  }

  async *logs(opts: LogsOptions, signal?: AbortSignal): AsyncGenerator<LogEvent | LogNotice> {
    const q = new URLSearchParams({ project: opts.project });
    for (const s of opts.services ?? []) q.append('service', s);
    if (opts.follow) q.set('follow', '1');
    if (opts.tail !== undefined) q.set('tail', String(opts.tail));
    const res = await this.ok(await this.send('GET', `${ROUTES.logs}?${q}`, undefined, signal));
    try {
      for await (const line of this.lines(res)) yield decodeLogLine(line);
    } catch (err) {
      if (signal?.aborted) return;
      throw err;
    }
  }

  /** `fizz exec`: runs the command, streaming its input and output; resolves with its exit code. */
  exec(req: ExecRequest, io: ExecIo): Promise<number> {
    return runExec(this.socket, req, io, this.dialer);
  }

  /** `fizz ls`: the projects the agent knows (`all`: with nothing running too). */
  async ls(all: boolean): Promise<LsResponse> {
    return decodeLsResponse(await this.json(all ? `${ROUTES.ls}?all=1` : ROUTES.ls));
  }

  scale(req: ScaleRequest): AsyncGenerator<OpEvent> {
    return this.op(ROUTES.scale, req);
  }

  kill(req: KillRequest): AsyncGenerator<OpEvent> {
    return this.op(ROUTES.kill, req);
  }

  pause(req: ServicesRequest): AsyncGenerator<OpEvent> {
    return this.op(ROUTES.pause, req);
  }

  unpause(req: ServicesRequest): AsyncGenerator<OpEvent> {
    return this.op(ROUTES.unpause, req);
  }

  /** `fizz pull`: the services' images, progress per layer. */
  pull(req: PullRequest): AsyncGenerator<OpEvent> {
    return this.op(ROUTES.pull, req);
  }

  /** `fizz build`: the services' images, the builder's output streamed. */
  build(req: BuildRequest): AsyncGenerator<OpEvent> {
    return this.op(ROUTES.build, req);
  }

  /** `fizz image ls`: the images each node holds. */
  async imageList(): Promise<ImageListResponse> {
    return decodeImageListResponse(await this.json(ROUTES.imageList));
  }

  /** `fizz image push`: every other node pulls the image from this one. */
  imagePush(req: ImagePushRequest): AsyncGenerator<OpEvent> {
    return this.op(ROUTES.imagePush, req);
  }

  private query(project: string, services: string[]): string {
    const q = new URLSearchParams({ project });
    for (const s of services) q.append('service', s);
    return q.toString();
  }

  /** `fizz top`: the processes of the services' running containers. */
  async top(project: string, services: string[] = []): Promise<TopResponse> {
    return decodeTopResponse(await this.json(`${ROUTES.top}?${this.query(project, services)}`));
  }

  /** `fizz inspect SERVICE`: its endpoints and where its published ports answer. */
  async inspect(project: string, service: string): Promise<InspectResponse> {
    return decodeInspectResponse(await this.json(`${ROUTES.inspect}?${this.query(project, [service])}`));
  }

  /** `fizz images`: the image of each container of the project. */
  async images(project: string, services: string[] = []): Promise<ImagesResponse> {
    return decodeImagesResponse(await this.json(`${ROUTES.images}?${this.query(project, services)}`));
  }
}
