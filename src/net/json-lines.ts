/**
 * The control channel of the test and benchmark runnables (devnode, cluster-devnode): one
 * JSON command per line on stdin, one JSON answer per line on stdout, matched by `id`.
 * Both ends live here: `serveJsonLines` in the runnable, `JsonLinesChild` in its driver.
 */
import { type ChildProcess, spawn } from 'node:child_process';
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

/** A line the runnable writes on its own: `{ event, t, … }`. */
export interface LineEvent {
  event: string;
  t: number;
  [field: string]: unknown;
}

/**
 * The other end: a runnable spawned as a child process and driven over its stdin/stdout —
 * request/reply matched by id, events kept in order, graceful stop and kill -9. Tests and
 * benchmarks extend it with the runnable's own flags.
 */
export class JsonLinesChild {
  readonly events: LineEvent[] = [];
  readonly exited: Promise<number | null>;
  private readonly proc: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (r: Record<string, unknown>) => void; reject: (e: Error) => void }
  >();
  private readonly waiters = new Set<{ pred: (e: LineEvent) => boolean; resolve: (e: LineEvent) => void }>();

  /** `label` names the process in errors; `onLog` receives its stderr lines. */
  protected constructor(
    script: string,
    args: string[],
    private readonly label: string,
    onLog?: (line: string) => void,
  ) {
    this.proc = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code) => resolve(code)));
    this.exited.then(() => {
      for (const p of this.pending.values()) p.reject(new Error(`${label} exited`));
      this.pending.clear();
    });
    createInterface({ input: this.proc.stdout! }).on('line', (line) => this.onLine(line));
    createInterface({ input: this.proc.stderr! }).on('line', (line) => onLog?.(line));
  }

  /** The `ready` event, or an error if the process exits first. */
  protected whenReady(): Promise<LineEvent> {
    return Promise.race([
      this.waitEvent((e) => e.event === 'ready'),
      this.exited.then((code): never => {
        throw new Error(`${this.label} exited with ${code} before it was ready`);
      }),
    ]);
  }

  get pid(): number {
    return this.proc.pid!;
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  request(op: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    if (!this.running) return Promise.reject(new Error(`${this.label} exited`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.proc.stdin!.write(`${JSON.stringify({ id, op, ...args })}\n`);
    });
  }

  /** Resolves with the first event (already seen or future) that `pred` accepts. */
  waitEvent(pred: (e: LineEvent) => boolean): Promise<LineEvent> {
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.add({ pred, resolve }));
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    await this.request('stop').catch(() => {});
    await this.exited;
  }

  kill9(): Promise<number | null> {
    if (this.running) this.proc.kill('SIGKILL');
    return this.exited;
  }

  private onLine(line: string): void {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    if (typeof msg.event === 'string') {
      const e = msg as LineEvent;
      this.events.push(e);
      for (const w of [...this.waiters]) {
        if (w.pred(e)) {
          this.waiters.delete(w);
          w.resolve(e);
        }
      }
      return;
    }
    const p = this.pending.get(msg.id as number);
    if (!p) return;
    this.pending.delete(msg.id as number);
    if (msg.ok) p.resolve(msg);
    else p.reject(new Error(String(msg.error)));
  }
}
