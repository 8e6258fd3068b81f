/**
 * Drives a devnode process (devnode.ts) from tests and benchmarks: spawn, request/reply over
 * its stdin/stdout JSON lines, events, graceful stop and kill -9 (JsonLinesChild).
 */
import { fileURLToPath } from 'node:url';
import { JsonLinesChild, type LineEvent } from './json-lines.js';

export type DevnodeEvent = LineEvent;

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

export class Devnode extends JsonLinesChild {
  peerId = '';
  addresses: string[] = [];
  ready!: DevnodeEvent;

  private constructor(opts: DevnodeOptions) {
    const args = ['--dir', opts.dir, '--port', String(opts.port ?? 0)];
    if (opts.key) args.push('--key', opts.key);
    for (const p of opts.peers ?? []) args.push('--peer', p);
    if (opts.syncIntervalMs) args.push('--sync-interval', String(opts.syncIntervalMs));
    if (opts.fsync === false) args.push('--no-fsync');
    if (opts.meshDegree !== undefined) args.push('--mesh-degree', String(opts.meshDegree));
    super(DEVNODE, args, 'devnode', opts.onLog);
  }

  static async start(opts: DevnodeOptions): Promise<Devnode> {
    const node = new Devnode(opts);
    node.ready = await node.whenReady();
    node.peerId = String(node.ready.peerId);
    node.addresses = node.ready.addresses as string[];
    return node;
  }
}
