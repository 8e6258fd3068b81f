/**
 * The CLI's side of `fizz exec`: upgrades a request on the agent's socket to exec frames,
 * sends stdin and terminal sizes, writes stdout and stderr where they belong and resolves
 * with the command's exit code.
 */
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { refusal } from './decode.js';
import { AgentApiError, AgentUnreachableError } from './errors.js';
import {
  EXEC_UPGRADE,
  encodeExecRequest,
  encodeFrame,
  FRAME,
  FrameDecoder,
  MAX_FRAME,
  resizeFrame,
} from './exec-stream.js';
import { type ExecRequest, ROUTES } from './protocol.js';
import { type DialAgent, transportOptions } from './transport.js';

export interface ExecIo {
  /** Piped to the command; absent: the command's stdin is closed at once. */
  stdin?: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** The terminal's size now (with a TTY). */
  size?: () => { rows: number; cols: number };
  /** Calls `listener` when the terminal is resized; returns how to stop listening. */
  onResize?: (listener: () => void) => () => void;
}

const UNREACHABLE = new Set(['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTSOCK']);

function upgrade(
  socketPath: string,
  req: ExecRequest,
  dialer: DialAgent | undefined,
): Promise<{ socket: Socket; head: Buffer }> {
  return new Promise((resolve, reject) => {
    const r = request({
      ...transportOptions(socketPath, dialer),
      method: 'GET',
      path: ROUTES.exec,
      headers: { Connection: 'Upgrade', Upgrade: EXEC_UPGRADE },
    });
    r.on('upgrade', (_res, socket, head) => resolve({ socket, head }));
    r.on('response', (res) => refusal(res).then(reject, reject));
    r.on('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code && UNREACHABLE.has(err.code) ? new AgentUnreachableError(socketPath, { cause: err }) : err,
      ),
    );
    // Right after the headers, as the first frame: a long command line does not fit in a URL.
    r.end(encodeExecRequest(req));
  });
}

/** Runs `req` through the agent; resolves with the command's exit code. */
export async function runExec(
  socketPath: string,
  req: ExecRequest,
  io: ExecIo,
  dialer?: DialAgent,
): Promise<number> {
  const { socket, head } = await upgrade(socketPath, req, dialer);
  const cleanups: Array<() => void> = [];
  try {
    return await new Promise<number>((resolve, reject) => {
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        fn();
      };
      const decoder = new FrameDecoder();
      /** Output streams whose buffer is full: the socket is read again once each has drained. */
      const waitingOn = new Set<NodeJS.WritableStream>();
      const onData = (chunk: Buffer) => {
        let frames: ReturnType<FrameDecoder['push']>;
        try {
          frames = decoder.push(chunk);
        } catch (err) {
          socket.destroy();
          return settle(() => reject(err));
        }
        for (const f of frames) {
          if (f.type === FRAME.stdout || f.type === FRAME.stderr) {
            const out = f.type === FRAME.stdout ? io.stdout : io.stderr;
            // A slow reader (`fizz exec … | less`) slows the agent down rather than filling memory.
            // One wait per stream at a time: the frames of one chunk may all find it full.
            if (!out.write(f.payload) && !waitingOn.has(out)) {
              waitingOn.add(out);
              socket.pause();
              out.once('drain', () => {
                waitingOn.delete(out);
                if (waitingOn.size === 0) socket.resume();
              });
            }
          } else if (f.type === FRAME.exit) settle(() => resolve(f.payload.readInt32BE(0)));
          else if (f.type === FRAME.error)
            settle(() => reject(new AgentApiError(0, 'ExecError', f.payload.toString('utf8'))));
        }
      };
      socket.on('data', onData);
      if (head.length > 0) onData(head);
      socket.on('error', () => {});
      socket.on('close', () =>
        settle(() =>
          reject(
            new AgentApiError(0, 'ExecError', 'the agent closed the exec stream before the command finished'),
          ),
        ),
      );

      /** Writes `data`; false if the agent has not taken what came before (wait for 'drain'). */
      const send = (data: Buffer): boolean => socket.destroyed || socket.write(data);
      if (io.size) {
        const resize = () => {
          const { rows, cols } = io.size!();
          if (rows > 0 && cols > 0) send(resizeFrame(rows, cols));
        };
        resize();
        if (io.onResize) cleanups.push(io.onResize(resize));
      }
      if (!io.stdin || req.detach) {
        send(encodeFrame(FRAME.stdinEnd));
        return;
      }
      const stdin = io.stdin;
      // The input is read at the agent's pace: `cat 5GB | fizz exec -T db psql` holds a few
      // chunks here, not the whole file.
      let held = false;
      const resume = () => {
        held = false;
        stdin.resume();
      };
      const onInput = (chunk: Buffer | string) => {
        const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        let ok = true;
        for (let at = 0; at < data.length; at += MAX_FRAME)
          ok = send(encodeFrame(FRAME.stdin, data.subarray(at, at + MAX_FRAME))) && ok;
        // Chunks read before the pause still come: one wait for 'drain', not one per chunk.
        if (!ok && !held) {
          held = true;
          stdin.pause();
          socket.once('drain', resume);
        }
      };
      const onEnd = () => send(encodeFrame(FRAME.stdinEnd));
      stdin.on('data', onInput);
      stdin.once('end', onEnd);
      cleanups.push(() => {
        stdin.off('data', onInput);
        stdin.off('end', onEnd);
        socket.off('drain', resume);
      });
    });
  } finally {
    for (const c of cleanups) c();
    socket.end();
  }
}
