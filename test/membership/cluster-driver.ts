/**
 * Drives cluster-devnode processes from tests: spawn, request/reply over stdin/stdout JSON
 * lines, events, graceful stop, SIGKILL; and picks ports free for both UDP and TCP.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface NodeEvent {
  event: string;
  t: number;
  [field: string]: unknown;
}

export interface ClusterProcOptions {
  dir: string;
  port: number;
  name: string;
  key: string;
  seeds?: string[];
  /** Lines of the node's stderr go here (default: dropped). */
  onLog?: (line: string) => void;
}

const DEVNODE = fileURLToPath(new URL('../../src/agent/membership/cluster-devnode.js', import.meta.url));

export class ClusterProc {
  readonly events: NodeEvent[] = [];
  ready!: NodeEvent;
  private readonly proc: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (r: Record<string, unknown>) => void; reject: (e: Error) => void }
  >();
  private readonly waiters = new Set<{ pred: (e: NodeEvent) => boolean; resolve: (e: NodeEvent) => void }>();
  readonly exited: Promise<number | null>;

  private constructor(readonly opts: ClusterProcOptions) {
    const args = [DEVNODE, '--dir', opts.dir, '--port', String(opts.port), '--name', opts.name];
    args.push('--key', opts.key, '--no-fsync', '--rejoin-interval', '1000');
    for (const s of opts.seeds ?? []) args.push('--seed', s);
    this.proc = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code) => resolve(code)));
    this.exited.then(() => {
      for (const p of this.pending.values()) p.reject(new Error(`${opts.name} exited`));
      this.pending.clear();
    });
    createInterface({ input: this.proc.stdout! }).on('line', (line) => this.onLine(line));
    createInterface({ input: this.proc.stderr! }).on('line', (line) => opts.onLog?.(line));
  }

  static async start(opts: ClusterProcOptions): Promise<ClusterProc> {
    const node = new ClusterProc(opts);
    node.ready = await Promise.race([
      node.waitEvent((e) => e.event === 'ready'),
      node.exited.then((code) => {
        throw new Error(`${opts.name} exited with ${code} before it was ready`);
      }),
    ]);
    return node;
  }

  get address(): string {
    return String(this.ready.address);
  }

  get peerId(): string {
    return String(this.ready.peerId);
  }

  get multiaddr(): string {
    return String(this.ready.multiaddr);
  }

  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  request(op: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    if (!this.running) return Promise.reject(new Error(`${this.opts.name} exited`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.proc.stdin!.write(`${JSON.stringify({ id, op, ...args })}\n`);
    });
  }

  /** Resolves with the first event (already seen or future) that `pred` accepts. */
  waitEvent(pred: (e: NodeEvent) => boolean): Promise<NodeEvent> {
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.add({ pred, resolve }));
  }

  /** Like waitEvent, but only events after index `from` of `events`. */
  waitEventAfter(from: number, pred: (e: NodeEvent) => boolean): Promise<NodeEvent> {
    return this.waitEvent((e) => this.events.indexOf(e) >= from && pred(e));
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
      const e = msg as NodeEvent;
      this.events.push(e);
      for (const w of [...this.waiters])
        if (w.pred(e)) {
          this.waiters.delete(w);
          w.resolve(e);
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

/** A port number free for both UDP and TCP on `host` right now. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const udp = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, host, () => resolve());
    });
    const port = udp.address().port;
    const tcp = createServer();
    const ok = await new Promise<boolean>((resolve) => {
      tcp.once('error', () => resolve(false));
      tcp.listen(port, host, () => resolve(true));
    });
    await new Promise<void>((resolve) => udp.close(() => resolve()));
    if (ok) {
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
      return port;
    }
  }
  throw new Error('no port free for both UDP and TCP');
}

/** Polls `check` every 50 ms until it holds; fails with `what` after `timeoutMs`. */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
