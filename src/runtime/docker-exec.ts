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

  if (opts.tty && opts.size) {
    const { rows, cols } = opts.size;
    // At once, so a command that asks its terminal's size early gets it (best effort: a command
    // that already exited cannot be resized).
    await call(() => exec.resize({ h: rows, w: cols })).catch(() => {});
  }
  const output = new Readable({ objectMode: true, read() {} });
  const decoder = new DockerFrameDecoder();
  socket.on('data', (chunk: Buffer) => {
    if (opts.tty) output.push({ stream: 'stdout', data: chunk } satisfies ExecChunk);
    else for (const c of decoder.push(chunk)) output.push(c);
  });
  const finish = () => {
    if (!output.readableEnded) output.push(null);
  };
  socket.on('end', finish);
  socket.on('close', finish);
  socket.on('error', (err) => output.destroy(err));

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
    resize: async (rows, cols) => {
      await call(() => exec.resize({ h: rows, w: cols }));
    },
    exitCode: async () => {
      const deadline = Date.now() + EXIT_WAIT_MS;
      for (;;) {
        const info = (await call(() => exec.inspect())) as { Running?: boolean; ExitCode?: number | null };
        if (!info.Running && typeof info.ExitCode === 'number') return info.ExitCode;
        if (Date.now() > deadline) return info.ExitCode ?? -1;
        await new Promise((r) => setTimeout(r, 50));
      }
    },
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
