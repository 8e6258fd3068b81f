/**
 * The libp2p host of one node: persistent Ed25519 identity, TCP, a private network keyed by
 * the cluster key (a peer without it cannot even handshake), noise, yamux, identify,
 * gossipsub for live state updates, and `/fizz/sync/1` anti-entropy on every new connection
 * and periodically, so an update lost to a partition or a restart is repaired.
 *
 * Membership is fed from outside (`setPeers`, from swim/ members in the agent): this module
 * keeps connections to those addresses and redials the ones that drop.
 *
 * Anti-entropy runs under the resource limits of limits.ts (sync-service.ts). stop() takes
 * down everything start() set up, and a stopped host can be started again.
 */
import './polyfill.js';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { type GossipSub, type GossipsubMessage, gossipsub, StrictNoSign } from '@libp2p/gossipsub';
import { identify } from '@libp2p/identify';
import type { Libp2p, PeerId } from '@libp2p/interface';
import { preSharedKey } from '@libp2p/pnet';
import { tcp } from '@libp2p/tcp';
import { multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import type { ClusterNet, ClusterNetEvents, ClusterNetOptions, NetMetrics } from './cluster-net-api.js';
import { DEFAULTS, SYNC_PROTOCOL, stateTopic } from './constants.js';
import { Emitter } from './emitter.js';
import { decodeGossip, encodeGossip } from './envelope.js';
import { clusterIdFromKey, loadOrCreateIdentity, pskFromClusterKey } from './keys.js';
import { resolveLimits } from './limits.js';
import { reservePnetMemory } from './pnet-memory.js';
import type { SyncResult } from './sync-protocol.js';
import { SyncService } from './sync-service.js';

export async function createClusterNet(options: ClusterNetOptions): Promise<ClusterNet> {
  const syncIntervalMs = options.syncIntervalMs ?? DEFAULTS.syncIntervalMs;
  const limits = resolveLimits(options.limits);
  const redialIntervalMs = options.redialIntervalMs ?? DEFAULTS.redialIntervalMs;
  const clusterId = options.clusterId ?? clusterIdFromKey(options.clusterKey);
  const topic = stateTopic(clusterId);
  const privateKey = await loadOrCreateIdentity(options.dataDir);
  const gate = options.allowPeer;
  const allowPeer = gate ? (key: Uint8Array | undefined) => key !== undefined && gate(key) : undefined;
  const log = options.logger;
  const events = new Emitter<ClusterNetEvents>();
  const metrics: NetMetrics = {
    messagesReceived: 0,
    receivedBytes: 0,
    updatesApplied: 0,
    droppedInvalid: 0,
    published: 0,
    publishedBytes: 0,
    syncsOk: 0,
    syncsFailed: 0,
    syncsRefused: 0,
    framesRefused: 0,
    syncBytesSent: 0,
    syncBytesReceived: 0,
  };

  reservePnetMemory();
  const node: Libp2p<{ pubsub: GossipSub }> = await createLibp2p({
    privateKey,
    start: false,
    addresses: { listen: [`/ip4/${options.listen.host}/tcp/${options.listen.port}`] },
    transports: [tcp()],
    ...(allowPeer
      ? {
          connectionGater: {
            denyInboundEncryptedConnection: (peer: PeerId) => !allowPeer(peer.publicKey?.raw),
            denyOutboundEncryptedConnection: (peer: PeerId) => !allowPeer(peer.publicKey?.raw),
          },
        }
      : { connectionProtector: preSharedKey({ psk: pskFromClusterKey(options.clusterKey) }) }),
    connectionEncrypters: [noise()],
    // A stream's window grows to 16 MiB by default; what it lets out waits in the connection's
    // write buffer, which pnet's XSalsa20 (WebAssembly, 64 MiB of memory shared by every
    // connection) takes in one piece: four image transfers at once broke it. 2 MiB is still
    // far above a LAN's bandwidth-delay product.
    streamMuxers: [yamux({ streamOptions: { maxStreamWindowSize: 2 * 1024 * 1024 } })],
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
  /** Intervals, and one-shot hold-back timers (each removes itself when it fires). */
  const intervals: NodeJS.Timeout[] = [];
  const holdBacks = new Set<NodeJS.Timeout>();
  /** Undoes every listener and subscription start() made, in reverse order. */
  const undo: (() => void)[] = [];
  let syncHandler = false;
  /** Something of start() is set up and stop() has not taken it down yet. */
  let started = false;
  let running = false;
  let lifecycle: Promise<void> = Promise.resolve();

  const originOf = (peer: string) => ({ net: peer });
  const sync = new SyncService({
    doc: options.state,
    limits,
    metrics,
    emit: (event, e) => events.emit(event, e as never),
    log,
    originOf,
  });

  function syncWith(peerId: string): Promise<SyncResult> {
    const target = node.getConnections().find((c) => c.remotePeer.toString() === peerId)?.remotePeer;
    if (!target) return Promise.reject(new Error(`not connected to ${peerId}`));
    return sync.syncWith(peerId, (signal) => node.dialProtocol(target, SYNC_PROTOCOL, { signal }));
  }

  /** Failures are counted, logged and emitted by the sync service. */
  function syncQuietly(peerId: string): void {
    void syncWith(peerId).catch(() => {});
  }

  /** Serialises start() and stop(): each waits for the one before it. */
  function serially(step: () => Promise<void>): Promise<void> {
    const next = lifecycle.then(step);
    lifecycle = next.catch(() => {});
    return next;
  }

  function onMessage(evt: CustomEvent<GossipsubMessage>): void {
    const { msg, propagationSource } = evt.detail;
    if (msg.topic !== topic) return;
    metrics.messagesReceived++;
    metrics.receivedBytes += msg.data.length;
    // Messages are unsigned (see above): blame the peer that handed it to us.
    const from = propagationSource.toString();
    try {
      options.state.applyUpdate(decodeGossip(msg.data), originOf(from));
      metrics.updatesApplied++;
    } catch (err) {
      if ((err as Error).name === 'ListenerError') {
        // Applied; a local change listener failed. Not the peer's doing.
        metrics.updatesApplied++;
        log.warn({ peer: from, err: (err as Error).message }, 'a change listener threw on a gossiped update');
        return;
      }
      metrics.droppedInvalid++;
      log.warn({ peer: from, err: (err as Error).message }, 'dropped an invalid state message');
      events.emit('invalid', { peerId: from, reason: (err as Error).message });
    }
  }

  function onConnect(evt: CustomEvent<PeerId>): void {
    const peer = evt.detail.toString();
    events.emit('peer:connect', { peerId: peer });
    // Both ends see the connection; the lower peer id starts the exchange (it is symmetric).
    if (peerIdStr < peer) syncQuietly(peer);
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
        const t = setTimeout(() => {
          holdBacks.delete(t);
          attempt();
        }, DEFAULTS.holdBackMs);
        t.unref();
        holdBacks.add(t);
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
      if (peerIdStr < peer) syncQuietly(peer);
    }
  }

  async function startNow(): Promise<void> {
    started = true;
    sync.start();
    // libp2p resets streams over its own per-connection cap before our handler sees them,
    // uncounted; ours (per peer, over all its connections) is the one meant to bite.
    await node.handle(
      SYNC_PROTOCOL,
      (stream, connection) => sync.serve(stream, connection.remotePeer.toString()),
      {
        maxInboundStreams: 4 * limits.maxInboundStreamsPerPeer,
      },
    );
    syncHandler = true;
    node.addEventListener('peer:connect', onConnect);
    undo.push(() => node.removeEventListener('peer:connect', onConnect));
    node.addEventListener('peer:disconnect', onDisconnect);
    undo.push(() => node.removeEventListener('peer:disconnect', onDisconnect));
    node.services.pubsub.addEventListener('gossipsub:message', onMessage);
    undo.push(() => node.services.pubsub.removeEventListener('gossipsub:message', onMessage));
    await node.start();
    node.services.pubsub.subscribe(topic);
    undo.push(() => node.services.pubsub.unsubscribe(topic));
    undo.push(
      options.state.onLocalUpdate((update) => {
        const data = encodeGossip(update);
        metrics.published++;
        metrics.publishedBytes += data.length;
        node.services.pubsub
          .publish(topic, data)
          .catch((err: Error) =>
            log.warn({ err: err.message }, 'publish failed; anti-entropy will carry it'),
          );
      }),
    );
    intervals.push(setInterval(periodicSync, syncIntervalMs), setInterval(redial, redialIntervalMs));
    for (const t of intervals) t.unref();
    for (const addr of options.bootstrap ?? [])
      if (!desired.has(addr))
        desired.set(addr, { peerId: null, rounds: 0, bootstrap: true, offTopicSince: null });
    running = true;
    redial();
    log.info({ peerId: peerIdStr, addresses: net.addresses, topic }, 'cluster network started');
  }

  /** Takes down whatever start() set up, also after a start that failed half-way. */
  async function stopNow(): Promise<void> {
    if (!started) return;
    running = false;
    for (const t of intervals.splice(0)) clearInterval(t);
    for (const t of holdBacks) clearTimeout(t);
    holdBacks.clear();
    for (const u of undo.splice(0).reverse()) {
      try {
        u();
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'cluster network: a clean-up step failed');
      }
    }
    try {
      await sync.stop();
      if (syncHandler) {
        syncHandler = false;
        await node.unhandle(SYNC_PROTOCOL);
      }
    } finally {
      await node.stop();
    }
    for (const want of desired.values()) {
      want.rounds = 0;
      want.offTopicSince = null;
    }
    started = false;
    log.info({ peerId: peerIdStr }, 'cluster network stopped');
  }

  const net: ClusterNet = {
    peerId: peerIdStr,
    clusterId,
    topic,
    get addresses() {
      return node.getMultiaddrs().map((a) => a.toString());
    },
    metrics,
    limits,
    start: () =>
      serially(async () => {
        if (running) return;
        try {
          await startNow();
        } catch (err) {
          await stopNow();
          throw err;
        }
      }),
    stop: () => serially(stopNow),
    resources: () => {
      const usage = sync.usage();
      return {
        running,
        libp2p: node.status,
        timers: intervals.length + holdBacks.size,
        listeners: undo.length,
        topics: node.services.pubsub.getTopics().length,
        syncHandler,
        connections: node.getConnections().length,
        inboundSyncs: usage.inboundSyncs,
        outboundSyncs: usage.outboundSyncs,
        syncBytesHeld: usage.bytesHeld,
      };
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
    async dropRefusedPeers() {
      if (!allowPeer) return 0;
      const refused = node.getConnections().filter((c) => !allowPeer(c.remotePeer.publicKey?.raw));
      await Promise.all(refused.map((c) => c.close().catch(() => c.abort(new Error('peer refused')))));
      return refused.length;
    },
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
  // heartbeat, then IWANT), or by anti-entropy. IDONTWANT (sent to mesh peers on every
  // message over its size threshold) has no one to go to: gossipsub would still build and
  // encode an empty one per message received, so it is turned off.
  if (D === 0)
    return {
      D: 0,
      Dlo: 0,
      Dhi: 0,
      Dout: 0,
      Dscore: 0,
      Dlazy: 3,
      idontwantMinDataSize: Number.MAX_SAFE_INTEGER,
    };
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
