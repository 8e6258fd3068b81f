/**
 * Drives a devnode process (devnode.ts) from tests and benchmarks: spawn, request/reply over
 * its stdin/stdout JSON lines, events, graceful stop and kill -9.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface DevnodeEvent {
  event: string;
  t: number;
  [field: string]: unknown;
}

export interface DevnodeOptions {
  dir: string;
  port?: number;
  key?: string;
  peers?: string[];
  syncIntervalMs?: number;
  fsync?: boolean;
  meshDegree?: number;
  /** Lines of the node's stderr go here (default: dropped). */
  onLog?: (line: string) => void;
}

const DEVNODE = fileURLToPath(new URL('./devnode.js', import.meta.url));

export class Devnode {
  readonly events: DevnodeEvent[] = [];
  peerId = '';
  addresses: string[] = [];
  ready!: DevnodeEvent;
  private readonly proc: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (r: Record<string, unknown>) => void; reject: (e: Error) => void }
  >();
  private readonly eventWaiters = new Set<{
    pred: (e: DevnodeEvent) => boolean;
    resolve: (e: DevnodeEvent) => void;
  }>();
  readonly exited: Promise<number | null>;

  private constructor(opts: DevnodeOptions) {
    const args = [DEVNODE, '--dir', opts.dir, '--port', String(opts.port ?? 0)];
    if (opts.key) args.push('--key', opts.key);
    for (const p of opts.peers ?? []) args.push('--peer', p);
    if (opts.syncIntervalMs) args.push('--sync-interval', String(opts.syncIntervalMs));
    if (opts.fsync === false) args.push('--no-fsync');
    if (opts.meshDegree !== undefined) args.push('--mesh-degree', String(opts.meshDegree));
    this.proc = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code) => resolve(code)));
    this.exited.then(() => {
      for (const p of this.pending.values()) p.reject(new Error('devnode exited'));
      this.pending.clear();
    });
    createInterface({ input: this.proc.stdout! }).on('line', (line) => this.onLine(line));
    createInterface({ input: this.proc.stderr! }).on('line', (line) => opts.onLog?.(line));
  }

  static async start(opts: DevnodeOptions): Promise<Devnode> {
    const node = new Devnode(opts);
    const ready = await Promise.race([
      node.waitEvent((e) => e.event === 'ready'),
      node.exited.then((code) => {
        throw new Error(`devnode exited with ${code} before it was ready`);
      }),
    ]);
    node.ready = ready;
    node.peerId = String(ready.peerId);
    node.addresses = ready.addresses as string[];
    return node;
  }

  get pid(): number {
    return this.proc.pid!;
  }

  request(op: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
      return Promise.reject(new Error('devnode exited'));
    }
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.proc.stdin!.write(`${JSON.stringify({ id, op, ...args })}\n`);
    });
  }

  /** Resolves with the first event (already seen or future) that `pred` accepts. */
  waitEvent(pred: (e: DevnodeEvent) => boolean): Promise<DevnodeEvent> {
    const seen = this.events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.eventWaiters.add({ pred, resolve }));
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    await this.request('stop').catch(() => {});
    await this.exited;
  }

  kill9(): Promise<number | null> {
    this.proc.kill('SIGKILL');
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
      const e = msg as DevnodeEvent;
      this.events.push(e);
      for (const w of [...this.eventWaiters]) {
        if (w.pred(e)) {
          this.eventWaiters.delete(w);
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
