/**
 * The agent's side of the local API: an HTTP server on a unix socket that only its owner can
 * use (directory 0700, socket 0600). Routes decode their input and call the handlers the
 * agent hands in; operations stream NDJSON progress and end with a `done` line.
 */

import { chmodSync, mkdirSync, unlinkSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { CLUSTER_REFUSALS, type ClusterHandlers, clusterRoute } from './cluster-api.js';
import { type DashboardHandlers, dashboardRoute } from './dashboard-api.js';
import {
  decodeDownRequest,
  decodeKillRequest,
  decodeScaleRequest,
  decodeServicesRequest,
  decodeUpRequest,
  parseJson,
} from './decode.js';
import { decodeBuildRequest, decodeImagePushRequest, decodePullRequest } from './decode-images.js';
import { ApiDecodeError } from './errors.js';
import { attachExec, closeExecSessions, type ExecHandler } from './exec-server.js';
import { type ApiLimits, applyLimits, BodyBudget, DEFAULT_API_LIMITS, serverOptions } from './limits.js';
import { encodeLine } from './ndjson.js';
import { type OpsHandlers, opsRoute } from './ops-api.js';
import {
  type BuildRequest,
  type DoneEvent,
  type DownRequest,
  type ImageListResponse,
  type ImagePushRequest,
  type ImagesResponse,
  type InfoResponse,
  type InspectResponse,
  type KillRequest,
  type LogEvent,
  type LogNotice,
  type LsResponse,
  type OpProgress,
  type PsResponse,
  type PullRequest,
  ROUTES,
  type ScaleRequest,
  type ServicesRequest,
  type TopResponse,
  type UpRequest,
} from './protocol.js';
import { type ObjectHandlers, objectRoute } from './secrets-api.js';

export interface LogsQuery {
  project: string;
  services: string[];
  follow: boolean;
  tail?: number;
}

export type Emit = (event: OpProgress) => void;

/** What the agent does for each route. `signal` aborts when the client goes away. */
export interface ApiHandlers {
  /** `engine`: also ask the container engine its version (slower; `fizz version`). */
  info(engine: boolean): Promise<InfoResponse>;
  up(req: UpRequest, emit: Emit, signal: AbortSignal): Promise<DoneEvent>;
  down(req: DownRequest, emit: Emit, signal: AbortSignal): Promise<DoneEvent>;
  start(req: ServicesRequest, emit: Emit, signal: AbortSignal): Promise<DoneEvent>;
  stop(req: ServicesRequest, emit: Emit, signal: AbortSignal): Promise<DoneEvent>;
  restart(req: ServicesRequest, emit: Emit, signal: AbortSignal): Promise<DoneEvent>;
  ps(project: string | undefined, all: boolean): Promise<PsResponse>;
  logs(query: LogsQuery, emit: (event: LogEvent | LogNotice) => void, signal: AbortSignal): Promise<void>;
  /** `fizz exec` (an HTTP Upgrade, see exec-server.ts); refused when absent. */
  exec?: ExecHandler;
  /** `fizz ls`: `all` includes projects with nothing running. */
  ls?(all: boolean): Promise<LsResponse>;
  /** `fizz scale web=3`. */
  scale?(req: ScaleRequest, emit: Emit, signal: AbortSignal): Promise<DoneEvent>;
  /** `fizz kill`, `pause`, `unpause`. */
  kill?(req: KillRequest, emit: Emit, signal: AbortSignal): Promise<DoneEvent>;
  pause?(req: ServicesRequest, emit: Emit, signal: AbortSignal): Promise<DoneEvent>;
  unpause?(req: ServicesRequest, emit: Emit, signal: AbortSignal): Promise<DoneEvent>;
  /** `fizz top` and `fizz images` (services empty: all); an unknown project or service throws `AgentRequestError`. */
  top?(project: string, services: string[]): Promise<TopResponse>;
  images?(project: string, services: string[]): Promise<ImagesResponse>;
  /** `fizz inspect SERVICE`; an unknown project or service throws `AgentRequestError`. */
  inspect?(project: string, service: string): Promise<InspectResponse>;
  /** `fizz init`, `join`, `token`, `nodes`, `label`, `leave` (cluster-api.ts). */
  cluster?: ClusterHandlers;
  /** `fizz secret` and `fizz config create|ls|rm` (secrets-api.ts). */
  objects?: ObjectHandlers;
  /** `fizz rollback`, `history`, `events` (ops-api.ts). */
  ops?: OpsHandlers;
  /** `fizz pull` and `fizz build`: the project comes from the file, as with `up`. */
  pull?(req: PullRequest, emit: Emit, signal: AbortSignal): Promise<DoneEvent>;
  build?(req: BuildRequest, emit: Emit, signal: AbortSignal): Promise<DoneEvent>;
  /** `fizz image ls` and `fizz image push` (src/agent/p2p-images/). */
  imageList?(): ImageListResponse;
  imagePush?(req: ImagePushRequest, emit: Emit, signal: AbortSignal): Promise<DoneEvent>;
  /** `fizz dashboard` (dashboard-api.ts). */
  dashboard?: DashboardHandlers;
}

/** Another agent already answers on the socket. */
export class AgentAlreadyRunningError extends Error {
  override readonly name = 'AgentAlreadyRunningError';
  constructor(readonly socket: string) {
    super(`an agent already listens on ${socket}`);
  }
}

/** The body as JSON, within the per-request cap and the server's shared budget (limits.ts). */
async function readBodyWithin(req: IncomingMessage, limits: ApiLimits, budget: BodyBudget): Promise<unknown> {
  const declared = Number(req.headers['content-length']);
  if (declared > limits.maxBodyBytes) throw new ApiDecodeError('request body too large');
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limits.maxBodyBytes) throw new ApiDecodeError('request body too large');
      budget.take(chunk.length);
      chunks.push(chunk);
    }
    return parseJson(Buffer.concat(chunks).toString('utf8'), 'request body');
  } finally {
    budget.give(chunks.reduce((n, c) => n + c.length, 0));
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, err: unknown): void {
  const e = err instanceof Error ? err : new Error(String(err));
  const status =
    e.name === 'ApiDecodeError'
      ? 400
      : e.name === 'AgentRequestError'
        ? 404
        : e.name === 'EngineUnreachableError' || e.name === 'ApiBusyError'
          ? 503
          : CLUSTER_REFUSALS.has(e.name)
            ? 409
            : 500;
  if (res.headersSent) {
    res.end();
    return;
  }
  sendJson(res, status, { error: { name: e.name, message: e.message } });
}

/** Streams an operation: progress lines, then the `done` line. */
export async function streamOp(
  res: ServerResponse,
  signal: AbortSignal,
  run: (emit: Emit, signal: AbortSignal) => Promise<DoneEvent>,
): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  const emit: Emit = (event) => {
    if (!res.writableEnded) res.write(encodeLine(event));
  };
  let done: DoneEvent;
  try {
    done = await run(emit, signal);
  } catch (err) {
    const e = err as Error;
    done = { type: 'done', ok: false, errors: [e.message || e.name] };
  }
  if (!res.writableEnded) res.end(encodeLine(done));
}

function route(handlers: ApiHandlers, limits: ApiLimits) {
  const budget = new BodyBudget(limits.maxBufferedBytes);
  const readBody = (req: IncomingMessage) => readBodyWithin(req, limits, budget);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    try {
      const url = new URL(req.url ?? '/', 'http://fizz');
      const path = url.pathname;
      if (req.method === 'GET' && path === ROUTES.info)
        return sendJson(res, 200, await handlers.info(url.searchParams.get('engine') === '1'));
      if (req.method === 'GET' && path === ROUTES.ps) {
        const project = url.searchParams.get('project') ?? undefined;
        return sendJson(res, 200, await handlers.ps(project, url.searchParams.get('all') === '1'));
      }
      if (req.method === 'GET' && path === ROUTES.imageList && handlers.imageList)
        return sendJson(res, 200, handlers.imageList());
      if (req.method === 'GET' && path === ROUTES.ls && handlers.ls)
        return sendJson(res, 200, await handlers.ls(url.searchParams.get('all') === '1'));
      for (const what of ['top', 'images'] as const) {
        const handler = handlers[what]?.bind(handlers);
        if (req.method === 'GET' && path === ROUTES[what] && handler) {
          const project = url.searchParams.get('project');
          if (!project) throw new ApiDecodeError(`${what}: project missing`);
          return sendJson(res, 200, await handler(project, url.searchParams.getAll('service')));
        }
      }
      if (req.method === 'GET' && path === ROUTES.inspect && handlers.inspect) {
        const project = url.searchParams.get('project');
        const service = url.searchParams.get('service');
        if (!project || !service) throw new ApiDecodeError('inspect: project or service missing');
        return sendJson(res, 200, await handlers.inspect(project, service));
      }
      if (req.method === 'GET' && path === ROUTES.logs) {
        const project = url.searchParams.get('project');
        if (!project) throw new ApiDecodeError('logs: project missing');
        const tailText = url.searchParams.get('tail');
        const tail = tailText === null ? undefined : Number(tailText);
        if (tail !== undefined && (!Number.isInteger(tail) || tail < 0))
          throw new ApiDecodeError('logs: tail is not a count');
        const query: LogsQuery = {
          project,
          services: url.searchParams.getAll('service'),
          follow: url.searchParams.get('follow') === '1',
        };
        if (tail !== undefined) query.tail = tail;
        // The status goes out with the first line, so a failure before any (engine down, …)
        // is an error answer, not an empty log that the CLI would take for success.
        const begin = () => {
          if (!res.headersSent) res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        };
        try {
          await handlers.logs(
            query,
            (ev) => {
              if (res.writableEnded) return;
              begin();
              res.write(encodeLine(ev));
            },
            abort.signal,
          );
        } catch (err) {
          if (!res.headersSent) throw err;
        }
        begin();
        res.end();
        return;
      }
      if (handlers.cluster && (await clusterRoute(handlers.cluster, req, res, path, abort.signal, readBody)))
        return;
      if (handlers.objects && (await objectRoute(handlers.objects, req, res, path, readBody))) return;
      if (handlers.ops && (await opsRoute(handlers.ops, req, res, url, abort.signal, readBody))) return;
      if (handlers.dashboard && (await dashboardRoute(handlers.dashboard, req, res, path, readBody))) return;
      if (req.method === 'POST') {
        if (path === ROUTES.up) {
          const body = decodeUpRequest(await readBody(req));
          return streamOp(res, abort.signal, (emit, s) => handlers.up(body, emit, s));
        }
        if (path === ROUTES.down) {
          const body = decodeDownRequest(await readBody(req));
          return streamOp(res, abort.signal, (emit, s) => handlers.down(body, emit, s));
        }
        for (const op of ['start', 'stop', 'restart'] as const) {
          if (path === ROUTES[op]) {
            const body = decodeServicesRequest(await readBody(req));
            return streamOp(res, abort.signal, (emit, s) => handlers[op](body, emit, s));
          }
        }
        for (const op of ['pause', 'unpause'] as const) {
          const handler = handlers[op]?.bind(handlers);
          if (path === ROUTES[op] && handler) {
            const body = decodeServicesRequest(await readBody(req));
            return streamOp(res, abort.signal, (emit, s) => handler(body, emit, s));
          }
        }
        const { scale, kill, pull, build, imagePush } = handlers;
        if (path === ROUTES.imagePush && imagePush) {
          const body = decodeImagePushRequest(await readBody(req));
          return streamOp(res, abort.signal, (emit, s) => imagePush.call(handlers, body, emit, s));
        }
        if (path === ROUTES.pull && pull) {
          const body = decodePullRequest(await readBody(req));
          return streamOp(res, abort.signal, (emit, s) => pull.call(handlers, body, emit, s));
        }
        if (path === ROUTES.build && build) {
          const body = decodeBuildRequest(await readBody(req));
          return streamOp(res, abort.signal, (emit, s) => build.call(handlers, body, emit, s));
        }
        if (path === ROUTES.scale && scale) {
          const body = decodeScaleRequest(await readBody(req));
          return streamOp(res, abort.signal, (emit, s) => scale.call(handlers, body, emit, s));
        }
        if (path === ROUTES.kill && kill) {
          const body = decodeKillRequest(await readBody(req));
          return streamOp(res, abort.signal, (emit, s) => kill.call(handlers, body, emit, s));
        }
      }
      sendJson(res, 404, { error: { name: 'NotFound', message: `no route ${req.method} ${path}` } });
    } catch (err) {
      sendError(res, err);
    }
  };
}

/** Resolves true when something accepts connections on the socket. */
export function socketAnswers(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(socket);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

/** Listens on `socket`, creating its directory 0700 and the socket 0600; clears a stale socket. */
export async function listenApi(
  socket: string,
  handlers: ApiHandlers,
  limits: ApiLimits = DEFAULT_API_LIMITS,
): Promise<Server> {
  const dir = dirname(socket);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  if (await socketAnswers(socket)) throw new AgentAlreadyRunningError(socket);
  try {
    unlinkSync(socket);
  } catch {
    // no stale socket
  }
  const server = createServer(serverOptions(limits), route(handlers, limits));
  attachExec(server, handlers.exec?.bind(handlers));
  // Only receiving a request is timed: long answers (`logs -f`, `up --wait`) are not cut.
  applyLimits(server, limits);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(socket, 0o600);
  return server;
}

export async function closeApi(server: Server, socket: string): Promise<void> {
  server.closeAllConnections();
  closeExecSessions(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  try {
    unlinkSync(socket);
  } catch {
    // already gone
  }
}
