/**
 * The CLI's terminal for commands that talk to a process in a container (`exec`, `run`,
 * `attach`): raw mode and window size with a TTY, stdin piped otherwise, and the terminal
 * given back whatever happens. `pumpSession` moves the bytes of a session the CLI holds
 * itself (an attach); `exec` goes through the agent (exec-client.ts) with the same `ExecIo`.
 */
import type { ExecIo } from '../api/exec-client.js';
import type { ExecSession } from '../runtime/types.js';

export interface TerminalStreams {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/**
 * Runs `fn` with the io for a session: with `tty`, stdin in raw mode and the window size
 * followed; without `input`, stdin is not read at all (`-d`, `--no-stdin`).
 */
export async function withTerminal<T>(
  streams: TerminalStreams,
  opts: { tty: boolean; input: boolean },
  fn: (io: ExecIo, size: { rows: number; cols: number } | undefined) => Promise<T>,
): Promise<T> {
  const stdin = streams.stdin as NodeJS.ReadStream;
  const io: ExecIo = { stdout: streams.stdout, stderr: streams.stderr };
  if (opts.input) io.stdin = stdin;
  let size: { rows: number; cols: number } | undefined;
  const term = [streams.stdout, streams.stderr].find((s) => (s as NodeJS.WriteStream).isTTY) as
    | NodeJS.WriteStream
    | undefined;
  if (opts.tty && term) {
    if (term.rows > 0 && term.columns > 0) size = { rows: term.rows, cols: term.columns };
    io.size = () => ({ rows: term.rows, cols: term.columns });
    io.onResize = (listener) => {
      term.on('resize', listener);
      return () => term.off('resize', listener);
    };
  }
  const raw = opts.tty && Boolean(stdin.isTTY);
  if (raw) stdin.setRawMode(true);
  try {
    return await fn(io, size);
  } finally {
    if (raw) stdin.setRawMode(false);
    // Nothing more is read: a stdin still open (a terminal, a pipe nobody closes) must not keep fizz alive.
    stdin.pause();
    if (!stdin.isTTY) stdin.destroy();
  }
}

/** Moves a session's bytes between it and `io` until its output ends; resolves with its exit code. */
export async function pumpSession(session: ExecSession, io: ExecIo): Promise<number> {
  const cleanups: Array<() => void> = [];
  if (io.size) {
    const resize = () => {
      const { rows, cols } = io.size!();
      if (rows > 0 && cols > 0) session.resize(rows, cols).catch(() => {});
    };
    resize();
    if (io.onResize) cleanups.push(io.onResize(resize));
  }
  const stdin = io.stdin;
  if (stdin) {
    // Read at the engine's pace: `cat dump.sql | fizz run -T db psql` holds a chunk at a time.
    const onInput = (chunk: Buffer | string) => {
      stdin.pause();
      session.write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk).then(() => stdin.resume());
    };
    const onEnd = () => session.endInput();
    stdin.on('data', onInput);
    stdin.once('end', onEnd);
    cleanups.push(() => {
      stdin.off('data', onInput);
      stdin.off('end', onEnd);
    });
  }
  try {
    for await (const chunk of session.output) {
      const out = chunk.stream === 'stdout' ? io.stdout : io.stderr;
      if (!out.write(chunk.data)) await new Promise((r) => out.once('drain', r));
    }
    return await session.exitCode();
  } finally {
    for (const c of cleanups) c();
    session.close();
  }
}
