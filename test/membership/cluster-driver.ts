/**
 * Drives cluster-devnode processes from tests: spawn, request/reply over stdin/stdout JSON
 * lines, events, graceful stop, SIGKILL; and picks ports free for both UDP and TCP.
 */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { JsonLinesChild, type LineEvent } from '../../src/net/json-lines.js';

export type NodeEvent = LineEvent;

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

export class ClusterProc extends JsonLinesChild {
  ready!: NodeEvent;

  private constructor(readonly opts: ClusterProcOptions) {
    const args = ['--dir', opts.dir, '--port', String(opts.port), '--name', opts.name];
    args.push('--key', opts.key, '--no-fsync', '--rejoin-interval', '1000');
    for (const s of opts.seeds ?? []) args.push('--seed', s);
    super(DEVNODE, args, opts.name, opts.onLog);
  }

  static async start(opts: ClusterProcOptions): Promise<ClusterProc> {
    const node = new ClusterProc(opts);
    node.ready = await node.whenReady();
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

  /** Like waitEvent, but only events after index `from` of `events`. */
  waitEventAfter(from: number, pred: (e: NodeEvent) => boolean): Promise<NodeEvent> {
    return this.waitEvent((e) => this.events.indexOf(e) >= from && pred(e));
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
