/**
 * The control channel of the test and benchmark runnables (devnode, cluster-devnode): one
 * JSON command per line on stdin, one JSON answer per line on stdout, matched by `id`.
 */
import { createInterface } from 'node:readline';

export type Cmd = Record<string, unknown> & { id?: unknown; op?: unknown };
export type CmdHandlers = Record<string, (c: Cmd) => Promise<Record<string, unknown>>>;

/** Writes one JSON line to stdout. */
export const writeLine = (obj: unknown): void => {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
};

/**
 * Serves `handlers` until stdin closes or SIGTERM arrives; then `shutdown()` and exit 0.
 * The `stop` op exits right after its answer.
 */
export function serveJsonLines(handlers: CmdHandlers, shutdown: () => Promise<void>): void {
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    let cmd: Cmd;
    try {
      cmd = JSON.parse(line) as Cmd;
    } catch {
      writeLine({ ok: false, error: 'not JSON' });
      return;
    }
    const handler = typeof cmd.op === 'string' ? handlers[cmd.op] : undefined;
    if (!handler) {
      writeLine({ id: cmd.id, ok: false, error: `unknown op ${String(cmd.op)}` });
      return;
    }
    handler(cmd).then(
      (r) => {
        writeLine({ id: cmd.id, ok: true, ...r });
        if (cmd.op === 'stop') process.exit(0);
      },
      (err: Error) => writeLine({ id: cmd.id, ok: false, error: `${err.name}: ${err.message}` }),
    );
  });
  rl.on('close', () => void shutdown().then(() => process.exit(0)));
  process.on('SIGTERM', () => void shutdown().then(() => process.exit(0)));
}
