/**
 * Runs `/fizz/sync/1` exchanges for one host under its SyncLimits: admits or refuses inbound
 * streams (per-peer slots), gives every stream a lease on the byte budget, runs at most one
 * outbound exchange per peer at a time, counts and reports every outcome, and on stop resets
 * every stream it holds and waits until each has let go of its timer and bytes.
 */
import type { Stream } from '@libp2p/interface';
import type { NetLogger } from './cluster-net-api.js';
import { SyncLimitError, type SyncLimitKind, type SyncLimits } from './limits.js';
import { SyncBudget } from './sync-budget.js';
import { initiateSync, type ReplicatedDoc, respondSync, type SyncResult } from './sync-protocol.js';

export interface SyncMetrics {
  droppedInvalid: number;
  syncsOk: number;
  syncsFailed: number;
  /** Sync streams refused or reset because of a limit (any SyncLimitKind, either direction). */
  syncsRefused: number;
  /** Of those, the ones over `maxFrameBytes`. */
  framesRefused: number;
  syncBytesSent: number;
  syncBytesReceived: number;
}

export type SyncDirection = 'inbound' | 'outbound';

export type SyncEvents = {
  sync: { peerId: string } & SyncResult;
  invalid: { peerId: string; reason: string };
  refused: { peerId: string; limit: SyncLimitKind; direction: SyncDirection; reason: string };
};

export interface SyncUsage {
  inboundSyncs: number;
  outboundSyncs: number;
  /** Bytes received on sync streams and not yet released. */
  bytesHeld: number;
}

export interface SyncServiceOptions {
  doc: ReplicatedDoc;
  limits: SyncLimits;
  metrics: SyncMetrics;
  emit<K extends keyof SyncEvents>(event: K, e: SyncEvents[K]): void;
  log: NetLogger;
  /** Tags updates applied from a peer. */
  originOf(peerId: string): unknown;
}

export class SyncService {
  private readonly budget: SyncBudget;
  private readonly streams = new Map<Stream, SyncDirection>();
  private readonly outbound = new Map<string, Promise<SyncResult>>();
  private readonly tasks = new Set<Promise<unknown>>();
  private lifetime = new AbortController();
  private open = false;

  constructor(private readonly opts: SyncServiceOptions) {
    this.budget = new SyncBudget(opts.limits);
  }

  start(): void {
    if (this.open) return;
    this.lifetime = new AbortController();
    this.open = true;
  }

  /** Resets every sync stream and waits until every exchange has released what it held. */
  async stop(): Promise<void> {
    this.open = false;
    this.lifetime.abort();
    for (const stream of this.streams.keys()) stream.abort(new Error('the cluster network is stopping'));
    while (this.tasks.size > 0) await Promise.allSettled([...this.tasks]);
  }

  /** The handler of inbound `/fizz/sync/1` streams. Never rejects. */
  serve(stream: Stream, peer: string): Promise<void> {
    return this.track(this.respond(stream, peer));
  }

  /** Runs one exchange with `peer` over a stream from `dial`; joins the one in flight, if any. */
  syncWith(peer: string, dial: (signal: AbortSignal) => Promise<Stream>): Promise<SyncResult> {
    const running = this.outbound.get(peer);
    if (running) return running;
    const run = this.track(this.initiate(peer, dial)).finally(() => this.outbound.delete(peer));
    this.outbound.set(peer, run);
    return run;
  }

  usage(): SyncUsage {
    let inboundSyncs = 0;
    for (const d of this.streams.values()) if (d === 'inbound') inboundSyncs++;
    return {
      inboundSyncs,
      outboundSyncs: this.streams.size - inboundSyncs,
      bytesHeld: this.budget.usage().bytesHeld,
    };
  }

  private async respond(stream: Stream, peer: string): Promise<void> {
    if (!this.open) {
      stream.abort(new Error('the cluster network is stopping'));
      return;
    }
    let leave: () => void;
    try {
      leave = this.budget.admitInbound(peer);
    } catch (err) {
      stream.abort(err as Error);
      this.failed(peer, 'inbound', err);
      return;
    }
    const lease = this.budget.lease(peer);
    this.streams.set(stream, 'inbound');
    try {
      this.succeeded(peer, await respondSync(stream, this.opts.doc, this.syncOptions(peer, lease.hold)));
    } catch (err) {
      this.failed(peer, 'inbound', err);
    } finally {
      this.streams.delete(stream);
      lease.release();
      leave();
    }
  }

  private async initiate(peer: string, dial: (signal: AbortSignal) => Promise<Stream>): Promise<SyncResult> {
    if (!this.open) throw new Error('the cluster network is not running');
    const lease = this.budget.lease(peer);
    let stream: Stream | undefined;
    try {
      stream = await dial(this.lifetime.signal);
      this.streams.set(stream, 'outbound');
      if (!this.open) throw new Error('the cluster network is stopping');
      const r = await initiateSync(stream, this.opts.doc, this.syncOptions(peer, lease.hold));
      this.succeeded(peer, r);
      return r;
    } catch (err) {
      if (stream && !this.open) stream.abort(err as Error);
      this.failed(peer, 'outbound', err);
      throw err;
    } finally {
      if (stream) this.streams.delete(stream);
      lease.release();
    }
  }

  private syncOptions(peer: string, hold: (n: number) => void) {
    return {
      maxFrameBytes: this.opts.limits.maxFrameBytes,
      timeoutMs: this.opts.limits.timeoutMs,
      origin: this.opts.originOf(peer),
      hold,
    };
  }

  private succeeded(peer: string, r: SyncResult): void {
    const m = this.opts.metrics;
    m.syncsOk++;
    m.syncBytesSent += r.sentBytes;
    m.syncBytesReceived += r.receivedBytes;
    this.opts.emit('sync', { peerId: peer, ...r });
  }

  private failed(peer: string, direction: SyncDirection, err: unknown): void {
    // Streams reset by stop() are not the peer's doing.
    if (!this.open) return;
    const m = this.opts.metrics;
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof SyncLimitError) {
      m.syncsRefused++;
      if (err.limit === 'frame-bytes') m.framesRefused++;
      this.opts.log.warn(
        { peer, direction, limit: err.limit, err: message },
        'sync stream over a limit; reset',
      );
      this.opts.emit('refused', { peerId: peer, limit: err.limit, direction, reason: message });
      return;
    }
    m.syncsFailed++;
    this.opts.log.warn({ peer, direction, err: message }, 'anti-entropy sync failed');
    if (/decode/.test(message)) {
      m.droppedInvalid++;
      this.opts.emit('invalid', { peerId: peer, reason: message });
    }
  }

  private track<T>(p: Promise<T>): Promise<T> {
    const settled = p.then(
      () => {},
      () => {},
    );
    this.tasks.add(settled);
    void settled.then(() => this.tasks.delete(settled));
    return p;
  }
}
