/**
 * The libp2p host of one node: persistent Ed25519 identity, TCP, a private network keyed by
 * the cluster key (a peer without it cannot even handshake), noise, yamux, identify,
 * gossipsub for live state updates, and `/fizz/sync/1` anti-entropy on every new connection
 * and periodically, so an update lost to a partition or a restart is repaired.
 *
 * Membership is fed from outside (`setPeers`, from swim/ members in the agent): this module
 * keeps connections to those addresses and redials the ones that drop.
 */
import './polyfill.js';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { type GossipSub, type GossipsubMessage, gossipsub, StrictNoSign } from '@libp2p/gossipsub';
import { identify } from '@libp2p/identify';
import type { Libp2p, PeerId, Stream } from '@libp2p/interface';
import { preSharedKey } from '@libp2p/pnet';
import { tcp } from '@libp2p/tcp';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import { DEFAULTS, SYNC_PROTOCOL, stateTopic } from './constants.js';
import { Emitter } from './emitter.js';
import { decodeGossip, encodeGossip } from './envelope.js';
import { clusterIdFromKey, loadOrCreateIdentity, pskFromClusterKey } from './keys.js';
import { initiateSync, type ReplicatedDoc, respondSync, type SyncResult } from './sync-protocol.js';

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
  syncTimeoutMs?: number;
  redialIntervalMs?: number;
  heartbeatIntervalMs?: number;
  maxFrameBytes?: number;
  /** Gossipsub mesh degree D (Dlo = D-1, Dhi = D+1). Every member is dialled and every write is
   * flood-published to all of them, so the mesh only relays copies as a safety net; a small D
   * spares each receiver the duplicate copies it would otherwise decrypt and drop. */
  meshDegree?: number;
}

export interface NetMetrics {
  messagesReceived: number;
  updatesApplied: number;
  droppedInvalid: number;
  published: number;
  publishedBytes: number;
  syncsOk: number;
  syncsFailed: number;
  syncBytesSent: number;
  syncBytesReceived: number;
}

export type ClusterNetEvents = {
  'peer:connect': { peerId: string };
  'peer:disconnect': { peerId: string };
  sync: { peerId: string } & SyncResult;
  invalid: { peerId: string; reason: string };
};

export interface ClusterNet {
  readonly peerId: string;
  readonly clusterId: string;
  readonly topic: string;
  /** Listening multiaddrs, each ending in /p2p/<peerId>. */
  readonly addresses: string[];
  readonly metrics: Readonly<NetMetrics>;
  start(): Promise<void>;
  stop(): Promise<void>;
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

export async function createClusterNet(options: ClusterNetOptions): Promise<ClusterNet> {
  const syncIntervalMs = options.syncIntervalMs ?? DEFAULTS.syncIntervalMs;
  const syncOpts = {
    maxFrameBytes: options.maxFrameBytes ?? DEFAULTS.maxFrameBytes,
    timeoutMs: options.syncTimeoutMs ?? DEFAULTS.syncTimeoutMs,
  };
  const redialIntervalMs = options.redialIntervalMs ?? DEFAULTS.redialIntervalMs;
  const clusterId = clusterIdFromKey(options.clusterKey);
  const topic = stateTopic(clusterId);
  const privateKey = await loadOrCreateIdentity(options.dataDir);
  const log = options.logger;
  const events = new Emitter<ClusterNetEvents>();
  const metrics: NetMetrics = {
    messagesReceived: 0,
    updatesApplied: 0,
    droppedInvalid: 0,
    published: 0,
    publishedBytes: 0,
    syncsOk: 0,
    syncsFailed: 0,
    syncBytesSent: 0,
    syncBytesReceived: 0,
  };

  const node: Libp2p<{ pubsub: GossipSub }> = await createLibp2p({
    privateKey,
    start: false,
    addresses: { listen: [`/ip4/${options.listen.host}/tcp/${options.listen.port}`] },
    transports: [tcp()],
    connectionProtector: preSharedKey({ psk: pskFromClusterKey(options.clusterKey) }),
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      pubsub: gossipsub({
        allowPublishToZeroTopicPeers: true,
        // Send our own updates straight to every subscribed peer, not only the mesh: one hop.
        floodPublish: true,
        emitSelf: false,
        heartbeatInterval: options.heartbeatIntervalMs ?? DEFAULTS.heartbeatIntervalMs,
        ...meshParams(options.meshDegree ?? DEFAULTS.meshDegree),
        allowedTopics: [topic],
        // Every connection is already authenticated to the cluster (pnet) and to the peer
        // (noise), and any member may write any value, so a per-message signature adds no
        // trust; it cost ~0.6 ms to sign and again to verify per message and receiver.
        // Message ids are then the hash of the content (Yjs updates are unique).
        globalSignaturePolicy: StrictNoSign,
      }) as never as (components: unknown) => GossipSub,
    },
  });

  const peerIdStr = node.peerId.toString();
  /** Addresses to stay connected to; `bootstrap` ones are dialled at once, membership ones
   * (setPeers) with the tie-break below. */
  const desired = new Map<
    string,
    { peerId: string | null; rounds: number; bootstrap: boolean; offTopicSince: number | null }
  >();
  const timers: NodeJS.Timeout[] = [];
  let unsubscribeLocal: (() => void) | null = null;
  let running = false;

  const originOf = (peer: string) => ({ net: peer });

  async function syncWith(peerId: string): Promise<SyncResult> {
    const target = node.getConnections().find((c) => c.remotePeer.toString() === peerId)?.remotePeer;
    if (!target) throw new Error(`not connected to ${peerId}`);
    const stream = await node.dialProtocol(target, SYNC_PROTOCOL);
    try {
      const r = await initiateSync(stream, options.state, { ...syncOpts, origin: originOf(peerId) });
      recordSync(peerId, r);
      return r;
    } catch (err) {
      metrics.syncsFailed++;
      throw err;
    }
  }

  function recordSync(peerId: string, r: SyncResult): void {
    metrics.syncsOk++;
    metrics.syncBytesSent += r.sentBytes;
    metrics.syncBytesReceived += r.receivedBytes;
    events.emit('sync', { peerId, ...r });
  }

  function syncQuietly(peerId: string, why: string): void {
    void syncWith(peerId).catch((err: Error) => {
      log.warn({ peer: peerId, why, err: err.message }, 'anti-entropy sync failed');
      if (err.name === 'SyncError' && /decode/.test(err.message)) {
        metrics.droppedInvalid++;
        events.emit('invalid', { peerId, reason: err.message });
      }
    });
  }

  async function handleSync(stream: Stream, connection: { remotePeer: PeerId }): Promise<void> {
    const peer = connection.remotePeer.toString();
    try {
      recordSync(peer, await respondSync(stream, options.state, { ...syncOpts, origin: originOf(peer) }));
    } catch (err) {
      metrics.syncsFailed++;
      log.warn({ peer, err: (err as Error).message }, 'anti-entropy request failed');
      if (/decode/.test((err as Error).message)) {
        metrics.droppedInvalid++;
        events.emit('invalid', { peerId: peer, reason: (err as Error).message });
      }
    }
  }

  function onMessage(evt: CustomEvent<GossipsubMessage>): void {
    const { msg, propagationSource } = evt.detail;
    if (msg.topic !== topic) return;
    metrics.messagesReceived++;
    // Messages are unsigned (see above): blame the peer that handed it to us.
    const from = propagationSource.toString();
    try {
      options.state.applyUpdate(decodeGossip(msg.data), originOf(from));
      metrics.updatesApplied++;
    } catch (err) {
      metrics.droppedInvalid++;
      log.warn({ peer: from, err: (err as Error).message }, 'dropped an invalid state message');
      events.emit('invalid', { peerId: from, reason: (err as Error).message });
    }
  }

  function onConnect(evt: CustomEvent<PeerId>): void {
    const peer = evt.detail.toString();
    events.emit('peer:connect', { peerId: peer });
    // Both ends see the connection; the lower peer id starts the exchange (it is symmetric).
    if (peerIdStr < peer) syncQuietly(peer, 'connect');
  }

  function onDisconnect(evt: CustomEvent<PeerId>): void {
    events.emit('peer:disconnect', { peerId: evt.detail.toString() });
  }

  function connected(peer: string): boolean {
    return node.getConnections().some((c) => c.remotePeer.toString() === peer);
  }

  async function dial(addr: string): Promise<string> {
    const conn = await node.dial(multiaddr(addr));
    const peer = conn.remotePeer.toString();
    const want = desired.get(addr);
    if (want) want.peerId = peer;
    return peer;
  }

  /** Dials the desired peers that are not connected. When membership tells both ends about
   * each other they would dial each other at once; the end with the greater peer id gives
   * the other a head start of `DEFAULTS.holdBackMs` the first time, so normally one connection forms. */
  function redial(): void {
    const onTopic = new Set(net.topicPeers());
    for (const [addr, want] of desired) {
      const peer = want.peerId ?? peerIdInAddr(addr);
      if (peer && connected(peer)) {
        healTopic(peer, want, onTopic.has(peer));
        continue;
      }
      const first = want.rounds++ === 0;
      const attempt = () => {
        if (!running || (peer && connected(peer))) return;
        void dial(addr).catch((err: Error) => log.debug?.({ addr, err: err.message }, 'dial failed'));
      };
      if (first && !want.bootstrap && peer !== null && peerIdStr > peer) {
        const t = setTimeout(attempt, DEFAULTS.holdBackMs);
        t.unref();
      } else attempt();
    }
  }

  /** A connection on which the peer never shows up on the state topic (seen under heavy
   * load, when identify or the gossipsub stream setup fails) is closed after
   * `DEFAULTS.topicGraceMs`, so that the next redial builds a working one. */
  function healTopic(peer: string, want: { offTopicSince: number | null }, subscribed: boolean): void {
    if (subscribed) {
      want.offTopicSince = null;
      return;
    }
    const now = Date.now();
    if (want.offTopicSince === null) want.offTopicSince = now;
    else if (now - want.offTopicSince > DEFAULTS.topicGraceMs) {
      want.offTopicSince = null;
      log.warn({ peer }, 'connected peer never joined the state topic; reconnecting');
      const target = node.getConnections().find((c) => c.remotePeer.toString() === peer)?.remotePeer;
      if (target) void node.hangUp(target).catch(() => {});
    }
  }

  /** Anti-entropy with every connected peer, each pair once: the lower peer id starts it. */
  function periodicSync(): void {
    for (const peer of new Set(node.getConnections().map((c) => c.remotePeer.toString()))) {
      if (peerIdStr < peer) syncQuietly(peer, 'periodic');
    }
  }

  const net: ClusterNet = {
    peerId: peerIdStr,
    clusterId,
    topic,
    get addresses() {
      return node.getMultiaddrs().map((a) => a.toString());
    },
    metrics,
    async start() {
      if (running) return;
      running = true;
      await node.handle(SYNC_PROTOCOL, (stream, connection) => handleSync(stream, connection), {
        maxInboundStreams: 64,
      });
      node.addEventListener('peer:connect', onConnect);
      node.addEventListener('peer:disconnect', onDisconnect);
      node.services.pubsub.addEventListener('gossipsub:message', onMessage);
      await node.start();
      node.services.pubsub.subscribe(topic);
      unsubscribeLocal = options.state.onLocalUpdate((update) => {
        const data = encodeGossip(update);
        metrics.published++;
        metrics.publishedBytes += data.length;
        node.services.pubsub
          .publish(topic, data)
          .catch((err: Error) =>
            log.warn({ err: err.message }, 'publish failed; anti-entropy will carry it'),
          );
      });
      timers.push(setInterval(periodicSync, syncIntervalMs), setInterval(redial, redialIntervalMs));
      for (const t of timers) t.unref();
      for (const addr of options.bootstrap ?? [])
        desired.set(addr, { peerId: null, rounds: 0, bootstrap: true, offTopicSince: null });
      redial();
      log.info({ peerId: peerIdStr, addresses: net.addresses, topic }, 'cluster network started');
    },
    async stop() {
      if (!running) return;
      running = false;
      for (const t of timers.splice(0)) clearInterval(t);
      unsubscribeLocal?.();
      unsubscribeLocal = null;
      node.removeEventListener('peer:connect', onConnect);
      node.removeEventListener('peer:disconnect', onDisconnect);
      await node.stop();
    },
    dial,
    setPeers(addrs) {
      const wanted = new Set(addrs);
      for (const a of desired.keys()) if (!wanted.has(a)) desired.delete(a);
      for (const a of wanted)
        if (!desired.has(a))
          desired.set(a, { peerId: null, rounds: 0, bootstrap: false, offTopicSince: null });
      if (running) redial();
    },
    connectedPeers: () => [...new Set(node.getConnections().map((c) => c.remotePeer.toString()))].sort(),
    topicPeers: () => node.services.pubsub.getSubscribers(topic).map((p: PeerId) => p.toString()),
    syncWith,
    on: (event, cb) => events.on(event, cb),
    handle: (protocol, handler, opts) =>
      node.handle(
        protocol,
        (stream, connection) =>
          handler(stream, {
            peerId: connection.remotePeer.toString(),
            addr: connection.remoteAddr.toString(),
          }),
        { maxInboundStreams: opts?.maxInboundStreams ?? 64 },
      ),
    openStream: (addr, protocol, opts) =>
      node.dialProtocol(multiaddr(addr), protocol, opts?.signal ? { signal: opts.signal } : {}),
  };
  return net;
}

function meshParams(d: number) {
  const D = Math.max(0, Math.floor(d));
  // D = 0: no mesh, nothing is relayed eagerly; a write reaches the peers its writer is
  // connected to, and others hear of it by lazy gossip (IHAVE to up to Dlazy = 3 peers per
  // heartbeat, then IWANT), or by anti-entropy.
  if (D === 0) return { D: 0, Dlo: 0, Dhi: 0, Dout: 0, Dscore: 0, Dlazy: 3 };
  return {
    D,
    Dlo: Math.max(1, D - 1),
    Dhi: D + 1,
    Dout: Math.max(0, Math.min(2, Math.floor(D / 2))),
    Dscore: Math.max(1, D - 1),
    Dlazy: D,
  };
}

/** The peer id a multiaddr names in its `/p2p/<id>` component, if any. */
function peerIdInAddr(addr: string): string | null {
  const m = /\/p2p\/([^/]+)$/.exec(addr);
  return m ? m[1]! : null;
}
