/**
 * The answering side of `/fizz/api/1`: one request per stream, decoded as hostile input
 * (from a member of the cluster, but a member may run another version, or be broken),
 * served by this node's own handlers (its containers only: nothing is forwarded again), the
 * answer streamed back. The request must arrive within `requestTimeoutMs`; a node that goes
 * away mid-answer aborts the work it asked for (a `logs -f` ends, an exec is cut).
 */
import type { Stream } from '@libp2p/interface';
import type { LabelRequest } from '../../api/cluster-api.js';
import type {
  DoneEvent,
  ExecRequest,
  ImagesResponse,
  KillRequest,
  LogEvent,
  OpProgress,
  ServicesRequest,
  TopResponse,
} from '../../api/protocol.js';
import type { LogsQuery } from '../../api/server.js';
import type { ExecSession } from '../../runtime/types.js';
import type { Logger } from '../logger.js';
import { FrameChannel } from './channel.js';
import { RemoteFrameError, RemoteLimitError } from './errors.js';
import type { RemoteFrame } from './frame.js';
import { DATA_CHUNK, type RemoteLimits } from './limits.js';
import { decodeRemoteRequest, type ImagePullAsk, type RemoteRequest } from './request.js';

type Emit = (event: OpProgress) => void;

/** What this node does for another: the agent's own handlers, and its label. */
export interface RemoteLocal {
  logs(query: LogsQuery, emit: (event: LogEvent) => void, signal: AbortSignal): Promise<void>;
  start(req: ServicesRequest, emit: Emit, signal: AbortSignal): Promise<DoneEvent>;
  stop(req: ServicesRequest, emit: Emit, signal: AbortSignal): Promise<DoneEvent>;
  restart(req: ServicesRequest, emit: Emit, signal: AbortSignal): Promise<DoneEvent>;
  kill(req: KillRequest, emit: Emit, signal: AbortSignal): Promise<DoneEvent>;
  pause(req: ServicesRequest, emit: Emit, signal: AbortSignal): Promise<DoneEvent>;
  unpause(req: ServicesRequest, emit: Emit, signal: AbortSignal): Promise<DoneEvent>;
  top(project: string, services: string[]): Promise<TopResponse>;
  images(project: string, services: string[]): Promise<ImagesResponse>;
  exec(req: ExecRequest): Promise<ExecSession>;
  label(req: LabelRequest): Promise<{ labels: Record<string, string> }>;
  imagePull(req: ImagePullAsk, emit: (event: unknown) => void, signal: AbortSignal): Promise<unknown>;
}

/** The event that tells the asking node an exec started (its output follows). */
export const EXEC_STARTED = { type: 'exec-started' } as const;

export async function serveRemote(
  stream: Stream,
  local: RemoteLocal,
  limits: RemoteLimits,
  logger: Logger,
  from: string,
): Promise<void> {
  const ch = new FrameChannel(stream, limits);
  let req: RemoteRequest;
  try {
    const first = await ch.next(limits.requestTimeoutMs);
    if (first === null) throw new RemoteFrameError('stream closed before the request');
    if (first.type !== 'request') throw new RemoteFrameError(`expected a request frame, got '${first.type}'`);
    req = decodeRemoteRequest(first.value);
  } catch (err) {
    const e = err as Error;
    logger.warn({ from, err: e.message, name: e.name }, 'remote api: request refused');
    if (e instanceof RemoteFrameError || e instanceof RemoteLimitError) ch.abort(e);
    else await answerError(ch, e);
    return;
  }
  const work = new AbortController();
  void ch.closed.then(() => work.abort());
  const ping = setInterval(() => void ch.send({ type: 'ping' }).catch(() => work.abort()), limits.pingMs);
  const send = (f: RemoteFrame) => void ch.send(f).catch(() => work.abort());
  try {
    const project = req.op === 'label' || req.op === 'image-pull' ? undefined : req.body.project;
    logger.info({ from, op: req.op, project }, 'remote api');
    const result = await dispatch(req, local, ch, send, work.signal);
    if (result !== undefined) await ch.send({ type: 'result', value: result });
    await ch.close();
  } catch (err) {
    await answerError(ch, err as Error);
  } finally {
    clearInterval(ping);
  }
}

async function answerError(ch: FrameChannel, e: Error): Promise<void> {
  try {
    await ch.send({ type: 'error', name: e.name || 'Error', message: e.message || String(e) });
    await ch.close();
  } catch {
    ch.abort(e);
  }
}

/** Runs the request; resolves with the `result` frame's value (undefined: the answer was sent). */
async function dispatch(
  req: RemoteRequest,
  local: RemoteLocal,
  ch: FrameChannel,
  send: (f: RemoteFrame) => void,
  signal: AbortSignal,
): Promise<unknown> {
  const emit = (value: unknown) => send({ type: 'event', value });
  switch (req.op) {
    case 'logs':
      await local.logs(req.body, emit, signal);
      return { ok: true };
    case 'start':
    case 'stop':
    case 'restart':
    case 'pause':
    case 'unpause':
      return local[req.op](req.body, emit, signal);
    case 'kill':
      return local.kill(req.body, emit, signal);
    case 'top':
      return local.top(req.body.project, req.body.services);
    case 'images':
      return local.images(req.body.project, req.body.services);
    case 'label':
      return local.label(req.body);
    case 'image-pull':
      return local.imagePull(req.body, emit, signal);
    case 'exec':
      await pumpExec(await local.exec(req.body), ch, send, signal);
      return undefined;
  }
}

/** An exec session both ways: stdin, its end and resizes in; output, then the exit code, out. */
async function pumpExec(
  session: ExecSession,
  ch: FrameChannel,
  send: (f: RemoteFrame) => void,
  signal: AbortSignal,
): Promise<void> {
  let finished = false;
  signal.addEventListener('abort', () => {
    if (!finished) session.close();
  });
  send({ type: 'event', value: EXEC_STARTED });
  const input = (async () => {
    for (;;) {
      const f = await ch.next();
      if (f === null) return;
      if (f.type === 'stdin') await session.write(Buffer.from(f.data));
      else if (f.type === 'stdin-end') session.endInput();
      else if (f.type === 'resize') await session.resize(f.rows, f.cols).catch(() => {});
      else throw new RemoteFrameError(`an exec does not take '${f.type}' frames`);
    }
  })();
  input.catch((err: Error) => {
    if (finished) return;
    finished = true;
    session.close();
    ch.abort(err);
  });
  for await (const chunk of session.output) {
    for (let at = 0; at < chunk.data.length; at += DATA_CHUNK)
      await ch.send({ type: chunk.stream, data: chunk.data.subarray(at, at + DATA_CHUNK) });
  }
  const code = await session.exitCode();
  finished = true;
  await ch.send({ type: 'exit', code });
  await ch.close();
}
