/**
 * `docker exec` through dockerode: creates the exec, starts it on a hijacked connection
 * (raw bytes both ways), demultiplexes the output when there is no TTY, and asks the engine
 * for the exit code (exec inspect) once the output has ended.
 */
import type { Duplex } from 'node:stream';
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { DockerFrameDecoder } from './demux.js';
import type { ExecChunk, ExecOptions, ExecSession } from './types.js';

/** How long to wait for the engine to report the command finished after its output ended. */
const EXIT_WAIT_MS = 10_000;
/** Output chunks held for a slow consumer before the engine's socket is paused. */
const OUTPUT_HIGH_WATER = 16;

/** Wraps engine calls with the runtime's error mapping. */
export type EngineCall = <T>(fn: () => Promise<T>) => Promise<T>;

export async function dockerExec(
  docker: Docker,
  call: EngineCall,
  id: string,
  opts: ExecOptions,
): Promise<ExecSession> {
  const attach = !opts.detach;
  const exec = await call(() =>
    docker.getContainer(id).exec({
      Cmd: opts.cmd,
      AttachStdin: attach && opts.stdin,
      AttachStdout: attach,
      AttachStderr: attach,
      Tty: opts.tty,
      ...(opts.env?.length ? { Env: opts.env } : {}),
      ...(opts.user ? { User: opts.user } : {}),
      ...(opts.workdir ? { WorkingDir: opts.workdir } : {}),
      // API 1.42+; older engines ignore it, and get the resize right after the start below.
      ...(opts.tty && opts.size ? { ConsoleSize: [opts.size.rows, opts.size.cols] } : {}),
    } as Docker.ExecCreateOptions),
  );
  if (!attach) {
    const res = (await call(() => exec.start({ Detach: true, Tty: opts.tty }))) as unknown;
    (res as { destroy?: () => void } | undefined)?.destroy?.();
    return detachedSession();
  }
  const socket = (await call(() =>
    exec.start({ hijack: true, stdin: opts.stdin, Detach: false, Tty: opts.tty }),
  )) as unknown as Duplex;

  // Made before the resize below, so the socket has its listeners while that is awaited.
  const session = hijackedSession(socket, opts, {
    resize: async (rows, cols) => {
      await call(() => exec.resize({ h: rows, w: cols }));
    },
    exitCode: () => execExitCode(call, exec),
  });
  if (opts.tty && opts.size) {
    // At once, so a command that asks its terminal's size early gets it (best effort: a command
    // that already exited cannot be resized).
    await session.resize(opts.size.rows, opts.size.cols).catch(() => {});
  }
  return session;
}

async function execExitCode(call: EngineCall, exec: Docker.Exec): Promise<number> {
  const deadline = Date.now() + EXIT_WAIT_MS;
  for (;;) {
    const info = (await call(() => exec.inspect())) as { Running?: boolean; ExitCode?: number | null };
    if (!info.Running && typeof info.ExitCode === 'number') return info.ExitCode;
    if (Date.now() > deadline) return info.ExitCode ?? -1;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * An ExecSession over a hijacked engine connection (an exec's or a container's attach): the
 * output demultiplexed when there is no TTY, read at the consumer's pace; input written with
 * backpressure; `endInput` half-closes the connection.
 */
export function hijackedSession(
  socket: Duplex,
  opts: { tty: boolean; stdin: boolean },
  hooks: Pick<ExecSession, 'resize' | 'exitCode'>,
): ExecSession {
  // The output is read at the consumer's pace: when it holds enough, the engine's socket is
  // paused (`fizz exec -T web cat big | pv -L 10k` keeps the agent's memory bounded).
  const output = new Readable({
    objectMode: true,
    highWaterMark: OUTPUT_HIGH_WATER,
    read() {
      socket.resume();
    },
  });
  const decoder = new DockerFrameDecoder();
  const push = (c: ExecChunk) => {
    if (!output.push(c)) socket.pause();
  };
  socket.on('data', (chunk: Buffer) => {
    if (output.destroyed) return;
    if (opts.tty) push({ stream: 'stdout', data: chunk });
    else for (const c of decoder.push(chunk)) push(c);
  });
  const finish = () => {
    if (!output.readableEnded && !output.destroyed) output.push(null);
  };
  // Listening before anything else is awaited: an engine connection failing during a resize
  // must not be an unhandled 'error'.
  socket.on('end', finish);
  socket.on('close', finish);
  socket.on('error', (err) => output.destroy(err));
  // The error may come before anyone reads the output: a reader still gets it (`for await`
  // rejects on a destroyed stream); it is not uncaught.
  output.on('error', () => {});

  return {
    output,
    write: (data) =>
      new Promise<void>((resolve) => {
        if (!opts.stdin || !socket.writable || socket.write(data)) return resolve();
        const done = () => {
          socket.off('drain', done);
          socket.off('close', done);
          resolve();
        };
        socket.on('drain', done);
        socket.on('close', done);
      }),
    endInput: () => {
      // Half-closes the connection: the engine closes the command's stdin.
      if (socket.writable) socket.end();
    },
    resize: hooks.resize,
    exitCode: hooks.exitCode,
    close: () => socket.destroy(),
  };
}

function detachedSession(): ExecSession {
  return {
    output: Readable.from([]),
    write: async () => {},
    endInput: () => {},
    resize: async () => {},
    exitCode: async () => 0,
    close: () => {},
  };
}
