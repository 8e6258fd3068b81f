/**
 * The interface of the cluster network and its settings, metrics, events and resources;
 * cluster-net.ts builds it on libp2p.
 */
import type { Stream } from '@libp2p/interface';
import type { SyncLimits } from './limits.js';
import type { ReplicatedDoc, SyncResult } from './sync-protocol.js';
import type { SyncEvents, SyncMetrics } from './sync-service.js';

/** pino-compatible: `logger.info({ fields }, 'message')`. */
export interface NetLogger {
  debug?(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

/** The document the network replicates (ClusterState), plus its local-update hook. */
export interface NetState extends ReplicatedDoc {
  onLocalUpdate(cb: (update: Uint8Array) => void): () => void;
}

export interface ClusterNetOptions {
  dataDir: string;
  clusterKey: string | Uint8Array;
  listen: { host: string; port: number };
  state: NetState;
  logger: NetLogger;
  /** Multiaddrs to dial on start (kept, like setPeers). */
  bootstrap?: string[];
  syncIntervalMs?: number;
  /** Resource limits of anti-entropy (limits.ts); the defaults are SYNC_LIMITS. */
  limits?: Partial<SyncLimits>;
  redialIntervalMs?: number;
  heartbeatIntervalMs?: number;
  /** Gossipsub mesh degree D (Dlo = D-1, Dhi = D+1). Every member is dialled and every write is
   * flood-published to all of them, so the mesh only relays copies as a safety net; a small D
   * spares each receiver the duplicate copies it would otherwise decrypt and drop. */
  meshDegree?: number;
}

export interface NetMetrics extends SyncMetrics {
  messagesReceived: number;
  /** Bytes of the gossiped state messages received (before decoding). */
  receivedBytes: number;
  updatesApplied: number;
  published: number;
  publishedBytes: number;
}

export type ClusterNetEvents = SyncEvents & {
  'peer:connect': { peerId: string };
  'peer:disconnect': { peerId: string };
};

/** What a node holds right now; after stop() every count is 0 and `libp2p` is 'stopped'. */
export interface NetResources {
  running: boolean;
  /** libp2p's own status ('started', 'stopped', …). */
  libp2p: string;
  /** Intervals and pending one-shot timers of this module (redial hold-backs). */
  timers: number;
  /** Listeners and subscriptions this module holds on libp2p, gossipsub and the state. */
  listeners: number;
  /** Gossipsub topics subscribed to. */
  topics: number;
  /** Whether the sync protocol handler is registered. */
  syncHandler: boolean;
  connections: number;
  inboundSyncs: number;
  outboundSyncs: number;
  /** Bytes received on sync streams and not yet released (bounded by the limits). */
  syncBytesHeld: number;
}

export interface ClusterNet {
  readonly peerId: string;
  readonly clusterId: string;
  readonly topic: string;
  /** Listening multiaddrs, each ending in /p2p/<peerId>. */
  readonly addresses: string[];
  readonly metrics: Readonly<NetMetrics>;
  readonly limits: Readonly<SyncLimits>;
  /** Starts the host; a no-op when it runs. After stop() it can be started again. */
  start(): Promise<void>;
  /** Stops the host and releases everything start() and the peers made it hold (timers,
   * listeners, subscriptions, streams, connections, the listening socket). Idempotent; calls
   * made while a start or stop is in progress wait for it. */
  stop(): Promise<void>;
  resources(): NetResources;
  /** Dials a multiaddr; resolves to the remote peer id. */
  dial(addr: string): Promise<string>;
  /** The peers to stay connected to (from membership); others are left alone. */
  setPeers(addrs: string[]): void;
  connectedPeers(): string[];
  /** Peers known to be subscribed to the state topic. */
  topicPeers(): string[];
  /** Runs anti-entropy with one peer now. */
  syncWith(peerId: string): Promise<SyncResult>;
  on<K extends keyof ClusterNetEvents>(event: K, cb: (e: ClusterNetEvents[K]) => void): () => void;
  /** Serves another protocol on this host (the agent's SWIM push-pull); call before start(). */
  handle(
    protocol: string,
    handler: (stream: Stream, remote: { peerId: string; addr: string }) => void | Promise<void>,
    options?: { maxInboundStreams?: number },
  ): Promise<void>;
  /** Opens a stream of `protocol` to a multiaddr, with or without its /p2p/ part. */
  openStream(addr: string, protocol: string, options?: { signal?: AbortSignal }): Promise<Stream>;
}
