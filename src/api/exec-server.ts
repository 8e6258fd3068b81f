/**
 * The agent's side of `fizz exec`: the HTTP Upgrade on the API socket. The handler finds the
 * container and starts the command; a failure before that is an ordinary JSON error answer,
 * success switches the connection to exec frames (exec-stream.ts) and pumps them both ways
 * until the command's output ends, then sends its exit code.
 */
import { type IncomingMessage, type Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ExecSession } from '../runtime/types.js';
import { ApiDecodeError } from './errors.js';
import {
  decodeExecRequest,
  EXEC_UPGRADE,
  encodeFrame,
  exitFrame,
  FRAME,
  type Frame,
  FrameDecoder,
  MAX_FRAME,
} from './exec-stream.js';
import { type ExecRequest, ROUTES } from './protocol.js';

/** Finds the container and starts the command; throws (with a message for the user) if it cannot. */
export type ExecHandler = (req: ExecRequest) => Promise<ExecSession>;

/** Where a server keeps its upgraded connections, cut when it closes (`closeExecSessions`). */
const OPEN = Symbol('fizz.execSessions');
type WithSessions = Server & { [OPEN]?: Set<Duplex> };

/** Serves `fizz exec` upgrades on `server`; without a handler they are refused (404). */
export function attachExec(server: Server, handler: ExecHandler | undefined): void {
  const open = new Set<Duplex>();
  (server as WithSessions)[OPEN] = open;
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    socket.on('error', () => socket.destroy());
    // A failure here must not become an unhandled rejection (that would end the agent).
    serveExec(handler, req, socket, head).catch(() => socket.destroy());
  });
}

/** Cuts every exec connection of `server` (the agent is stopping). */
export function closeExecSessions(server: Server): void {
  for (const s of (server as WithSessions)[OPEN] ?? []) s.destroy();
}

function statusOf(err: Error): number {
  if (err.name === 'ApiDecodeError') return 400;
  if (err.name === 'ExecTargetError') return 404;
  if (err.name === 'EngineUnreachableError') return 503;
  return 500;
}

function refuse(socket: Duplex, status: number, name: string, message: string): void {
  const body = JSON.stringify({ error: { name, message } });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

function write(socket: Duplex, data: Buffer): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  if (socket.write(data)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}

/**
 * Reads until `decoder` has a whole frame (the request); resolves with the frames decoded so
 * far, none if the connection closed first. Leaves the socket paused.
 */
function firstFrames(socket: Duplex, decoder: FrameDecoder, head: Buffer): Promise<Frame[]> {
  return new Promise((resolve, reject) => {
    const done = (fn: () => void) => {
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('end', onClose);
      socket.pause();
      fn();
    };
    const onData = (chunk: Buffer) => {
      try {
        const frames = decoder.push(chunk);
        if (frames.length > 0) done(() => resolve(frames));
      } catch (err) {
        done(() => reject(err));
      }
    };
    const onClose = () => done(() => resolve([]));
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.on('end', onClose);
    onData(head);
  });
}

async function serveExec(
  handler: ExecHandler | undefined,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): Promise<void> {
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://fizz');
  } catch {
    // `GET // HTTP/1.1`, `GET /\ HTTP/1.1`: not a URL relative to any base.
    refuse(socket, 400, 'ApiDecodeError', 'exec: the request target is not a URL path');
    socket.once('finish', () => socket.destroy());
    return;
  }
  if (
    !handler ||
    req.method !== 'GET' ||
    url.pathname !== ROUTES.exec ||
    req.headers.upgrade?.toLowerCase() !== EXEC_UPGRADE
  )
    return refuse(socket, 404, 'NotFound', `no upgrade ${req.method} ${url.pathname}`);
  // The request is the first frame, sent right after the headers (it may not all be in `head`).
  const decoder = new FrameDecoder();
  let first: Frame[];
  try {
    first = await firstFrames(socket, decoder, head);
  } catch (err) {
    const e = err as Error;
    return refuse(socket, 400, 'ApiDecodeError', e.message);
  }
  if (first.length === 0) {
    socket.destroy(); // the client went away before its request was whole
    return;
  }
  let session: ExecSession;
  try {
    if (first[0]!.type !== FRAME.request)
      throw new ApiDecodeError('exec: the first frame is not the request');
    session = await handler(decodeExecRequest(first[0]!.payload));
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    return refuse(socket, statusOf(e), e.name, e.message || e.name);
  }
  if (socket.destroyed) return session.close();
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${EXEC_UPGRADE}\r\n\r\n`);

  let finished = false;
  const fail = (message: string) => {
    finished = true;
    session.close();
    socket.end(encodeFrame(FRAME.error, Buffer.from(message)));
  };
  // Input is handed on in order; the client's socket is paused while the engine has not
  // taken what came before (a large `cat dump.sql | fizz exec -T db psql` stays bounded).
  let input = Promise.resolve();
  let pending = 0;
  const onFrames = (frames: Frame[]) => {
    for (const f of frames) {
      if (f.type === FRAME.resize) {
        session.resize(f.payload.readUInt16BE(0), f.payload.readUInt16BE(2)).catch(() => {});
        continue;
      }
      if (f.type !== FRAME.stdin && f.type !== FRAME.stdinEnd)
        throw new ApiDecodeError(`exec frame: type ${f.type} is not sent by a client`);
      pending++;
      socket.pause();
      input = input
        .then(() => (f.type === FRAME.stdin ? session.write(f.payload) : session.endInput()))
        .catch(() => {})
        .finally(() => {
          if (--pending === 0) socket.resume();
        });
    }
  };
  const onData = (chunk: Buffer) => {
    try {
      onFrames(decoder.push(chunk));
    } catch (err) {
      fail((err as Error).message);
    }
  };
  try {
    onFrames(first.slice(1));
  } catch (err) {
    fail((err as Error).message);
  }
  socket.on('data', onData);
  if (pending === 0) socket.resume();
  // The client went away: nothing will read the output.
  socket.once('close', () => {
    if (!finished) session.close();
  });

  try {
    for await (const chunk of session.output) {
      const type = chunk.stream === 'stdout' ? FRAME.stdout : FRAME.stderr;
      for (let at = 0; at < chunk.data.length; at += MAX_FRAME)
        await write(socket, encodeFrame(type, chunk.data.subarray(at, at + MAX_FRAME)));
    }
    if (finished || socket.destroyed) return;
    const code = await session.exitCode();
    finished = true;
    socket.end(exitFrame(code));
  } catch (err) {
    if (!finished && !socket.destroyed) fail((err as Error).message || String(err));
  }
}
