/**
 * One cluster node at one address `host:P`: the durable state store (crdt/), the libp2p
 * host on TCP P that replicates it (src/net/), and SWIM membership on UDP P whose
 * push-pull streams ride on libp2p (`/fizz/swim/1`). SWIM says who is in the cluster; the
 * libp2p host is told to stay connected to exactly the alive and suspect members.
 *
 * Start order: store → UDP socket → `/fizz/swim/1` registered → libp2p host (same port,
 * TCP) started → SWIM → join seeds.
 * Stop order: SWIM leave (gossiped for a moment) → libp2p → store.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { type ClusterState, openStore, type Store } from '../../../crdt/index.js';
import {
  Keyring,
  lanConfig,
  type Member,
  RealClock,
  Swim,
  type SwimConfig,
  type SwimEvents,
  systemRandom,
} from '../../../swim/index.js';
import { createClusterNet } from '../../net/cluster-net.js';
import type { ClusterNet, NetLogger } from '../../net/cluster-net-api.js';
import { Emitter } from '../../net/emitter.js';
import { loadOrCreateIdentity, peerIdOf } from '../../net/keys.js';
import type { PlacementMember } from '../../placement/types.js';
import { FIZZ_VERSION } from '../../version.js';
import { ClusterNodeStartError } from './errors.js';
import { swimKeyFromClusterKey } from './keys.js';
import { bindUdp, Libp2pSwimTransport } from './libp2p-swim-transport.js';
import {
  desiredPeers,
  libp2pAddrOfMember,
  peerIdOfMember,
  selfMeta,
  toPlacementMember,
} from './member-view.js';
import { Ed25519MetaSigner, type SignerOptions } from './signed-meta.js';

export interface ClusterNodeOptions {
  dataDir: string;
  clusterKey: string | Uint8Array;
  /** Other keys SWIM accepts besides the cluster key's (during a key rotation). */
  acceptKeys?: Array<string | Uint8Array>;
  /** The cluster's public id; default: derived from the key (ClusterNetOptions). */
  clusterId?: string;
  /** Gate libp2p connections by the peer's key instead of pnet (ClusterNetOptions). */
  allowPeer?: (publicKey: Uint8Array) => boolean;
  /** The address other nodes reach this one at (bound and advertised). */
  host: string;
  /** UDP (SWIM) and TCP (libp2p) port; 0 picks one free for both. */
  port: number;
  /** `host:port` of members to join through; none starts a new cluster. */
  seeds?: string[];
  /** Unique, stable member name (default: the libp2p peer id, stable with the data dir). */
  nodeName?: string;
  /** The human name gossiped in the metadata (when the member name is a stable id). */
  displayName?: string;
  labels?: Record<string, string>;
  capacity?: number;
  logger: NetLogger;
  /** SWIM knobs over the LAN preset. */
  swim?: Partial<Omit<SwimConfig, 'name'>>;
  syncIntervalMs?: number;
  fsync?: boolean;
  /** A store the caller already opened (the agent's); the node then neither opens nor closes
   * one. Default: `openStore(dataDir/state)`, closed by `stop()`. */
  store?: Store;
  /** Sign this node's metadata with its Ed25519 identity and check every member's against
   * the key bound to its node id (signed-meta.ts); none: metadata is not signed. */
  signing?: Pick<SignerOptions, 'keyOf' | 'refused'>;
  /** While this node sees no other live member, retry joining the seeds this often (default 5 s). */
  rejoinIntervalMs?: number;
}

export type MemberEventKind = keyof SwimEvents;

export type ClusterNodeEvents = {
  member: {
    kind: MemberEventKind;
    member: PlacementMember;
    address: string;
    incarnation: number;
    peerId: string | null;
  };
  /** The libp2p addresses handed to the network changed. */
  peers: { addrs: string[] };
  joined: { contacted: number };
  'join-failed': { error: string };
};

export interface ClusterNode {
  readonly name: string;
  readonly peerId: string;
  /** The one address: `host:port`, UDP for SWIM and TCP for libp2p. */
  readonly address: string;
  /** `/ip4/<host>/tcp/<port>/p2p/<peerId>` */
  readonly multiaddr: string;
  readonly state: ClusterState;
  readonly store: Store;
  readonly net: ClusterNet;
  readonly swim: Swim;
  readonly transport: Libp2pSwimTransport;
  /** SWIM's keys: the first seals, every one opens (a key rotation adds, promotes, drops). */
  readonly keyring: Keyring;
  /** Every member SWIM knows, self included, as placement sees them. */
  members(): PlacementMember[];
  /** The libp2p addresses the network is told to stay connected to. */
  libp2pPeers(): string[];
  /** Gossips new labels or capacity (0 drains the node: it holds no slot). */
  updateMeta(change: { labels?: Record<string, string>; capacity?: number }): void;
  on<K extends keyof ClusterNodeEvents>(event: K, cb: (e: ClusterNodeEvents[K]) => void): () => void;
  /** Graceful: SWIM leave (gossiped for `leavePropagateDelay`), then libp2p, then the store
   * (if the node opened it). */
  stop(): Promise<void>;
}

const INCARNATION_FILE = 'swim.incarnation';
const MEMBER_EVENTS: MemberEventKind[] = ['join', 'update', 'suspect', 'alive', 'dead', 'leave'];

export async function startClusterNode(opts: ClusterNodeOptions): Promise<ClusterNode> {
  const log = opts.logger;
  const identity = await loadOrCreateIdentity(opts.dataDir);
  const peerId = peerIdOf(identity);
  const name = opts.nodeName ?? peerId;
  const keyring = new Keyring([swimKeyFromClusterKey(opts.clusterKey)]);
  for (const k of opts.acceptKeys ?? []) keyring.addKey(swimKeyFromClusterKey(k));
  const ownStore = opts.store === undefined;
  const store =
    opts.store ??
    (await openStore(join(opts.dataDir, 'state'), {
      nodeId: name,
      clock: Date.now,
      fsync: opts.fsync ?? true,
      logger: log,
    }));
  const closeStore = () => (ownStore ? store.close() : Promise.resolve());
  let net: ClusterNet;
  let transport: Libp2pSwimTransport;
  try {
    ({ net, transport } = await openNetwork(opts, store));
  } catch (err) {
    await closeStore();
    throw err;
  }
  const port = Number(transport.address.slice(transport.address.lastIndexOf(':') + 1));
  const multiaddr = `/${opts.host.includes(':') ? 'ip6' : 'ip4'}/${opts.host}/tcp/${port}/p2p/${peerId}`;

  // Start above the previous run's incarnation, so our alive overrides what others hold.
  const incFile = join(opts.dataDir, INCARNATION_FILE);
  const incarnation = readIncarnation(incFile) + 1;
  writeIncarnation(incFile, incarnation);

  const swimLog = {
    debug: (msg: string, fields?: Record<string, unknown>) => log.debug?.(fields ?? {}, msg),
    warn: (msg: string, fields?: Record<string, unknown>) => log.warn(fields ?? {}, msg),
  };
  const meta: { labels?: Record<string, string> | undefined; capacity?: number | undefined } = {
    labels: opts.labels,
    capacity: opts.capacity,
  };
  let swim: Swim;
  try {
    swim = new Swim({
      config: { ...lanConfig(name), ...opts.swim, name },
      transport,
      clock: new RealClock(),
      random: systemRandom(),
      clusterId: net.clusterId,
      keyring,
      ...(opts.signing
        ? {
            signer: new Ed25519MetaSigner({
              clusterId: net.clusterId,
              secretKey: identity.raw.subarray(0, 32),
              ...opts.signing,
            }),
          }
        : {}),
      meta: selfMeta({
        multiaddr,
        version: FIZZ_VERSION,
        labels: opts.labels,
        capacity: opts.capacity,
        resources: hostResources(),
        displayName: opts.displayName,
      }),
      incarnation,
      logger: swimLog,
    });
  } catch (err) {
    // e.g. labels over the metadata size limit: undo what was started.
    await transport.close();
    await net.stop();
    await closeStore();
    throw err;
  }

  // SWIM address → libp2p peer id, so a push-pull dial reuses the open connection.
  const peerIds = new Map<string, string>();
  transport.setPeerIdResolver((addr) => peerIds.get(addr));
  const events = new Emitter<ClusterNodeEvents>();
  let peers: string[] = [];

  const refreshPeers = () => {
    const members = swim.members();
    peerIds.clear();
    for (const m of members) {
      const id = peerIdOfMember(m);
      if (id !== undefined) peerIds.set(m.address, id);
    }
    const next = desiredPeers(members, name);
    if (next.join('\n') === peers.join('\n')) return;
    peers = next;
    net.setPeers(peers);
    events.emit('peers', { addrs: [...peers] });
  };
  for (const kind of MEMBER_EVENTS) {
    swim.on(kind, (m: Member) => {
      refreshPeers();
      events.emit('member', {
        kind,
        member: toPlacementMember(m),
        address: m.address,
        incarnation: m.incarnation,
        peerId: peerIdOfMember(m) ?? null,
      });
      log.info({ member: m.name, kind, address: m.address, libp2p: libp2pAddrOfMember(m) }, 'member');
    });
  }

  swim.start();

  const seeds = (opts.seeds ?? []).filter((s) => s !== transport.address);
  let joining = false;
  let stopped = false;
  const tryJoin = () => {
    if (joining || stopped || seeds.length === 0) return;
    joining = true;
    swim.join(seeds).then(
      (contacted) => {
        joining = false;
        refreshPeers();
        events.emit('joined', { contacted });
      },
      (err: Error) => {
        joining = false;
        log.warn({ seeds, err: err.message }, 'join failed; will retry');
        events.emit('join-failed', { error: `${err.name}: ${err.message}` });
      },
    );
  };
  tryJoin();
  const rejoin = setInterval(() => {
    if (swim.numLive <= 1) tryJoin();
  }, opts.rejoinIntervalMs ?? 5_000);
  rejoin.unref();

  return {
    name,
    peerId,
    address: transport.address,
    multiaddr,
    state: store.state,
    store,
    net,
    swim,
    transport,
    keyring,
    members: () => swim.members().map(toPlacementMember),
    libp2pPeers: () => [...peers],
    updateMeta(change) {
      if (change.labels !== undefined) meta.labels = change.labels;
      if (change.capacity !== undefined) meta.capacity = change.capacity;
      swim.setMeta(
        selfMeta({
          multiaddr,
          version: FIZZ_VERSION,
          ...meta,
          resources: hostResources(),
          displayName: opts.displayName,
        }),
      );
    },
    on: (event, cb) => events.on(event, cb),
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(rejoin);
      writeIncarnation(incFile, swim.incarnation);
      await swim.leave();
      await net.stop();
      await closeStore();
    },
  };
}

/** Binds UDP P and starts listening with libp2p on TCP P; with port 0, retries until one
 * port number is free for both. */
async function openNetwork(
  opts: ClusterNodeOptions,
  store: Store,
): Promise<{ net: ClusterNet; transport: Libp2pSwimTransport }> {
  const attempts = opts.port === 0 ? 10 : 1;
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    let udp: Awaited<ReturnType<typeof bindUdp>>;
    try {
      udp = await bindUdp(opts.host, opts.port);
    } catch (err) {
      last = err;
      continue;
    }
    const port = udp.address().port;
    let net: ClusterNet | undefined;
    try {
      net = await createClusterNet({
        dataDir: opts.dataDir,
        clusterKey: opts.clusterKey,
        ...(opts.clusterId ? { clusterId: opts.clusterId } : {}),
        ...(opts.allowPeer ? { allowPeer: opts.allowPeer } : {}),
        listen: { host: opts.host, port },
        state: store.state,
        logger: opts.logger,
        ...(opts.syncIntervalMs ? { syncIntervalMs: opts.syncIntervalMs } : {}),
      });
      const transport = await Libp2pSwimTransport.create({ udp, host: opts.host, streams: net });
      // Start now, so a TCP port clash shows while another port can still be picked.
      await net.start();
      return { net, transport };
    } catch (err) {
      last = err;
      await net?.stop().catch(() => {});
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      if (err instanceof Error && err.name === 'ClusterKeyError') throw err;
    }
  }
  throw new ClusterNodeStartError(
    `could not listen on ${opts.host}:${opts.port} (UDP and TCP): ${(last as Error)?.message}`,
    { cause: last },
  );
}

function readIncarnation(file: string): number {
  if (!existsSync(file)) return 0;
  const n = Number(readFileSync(file, 'utf8').trim());
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}

function writeIncarnation(file: string, n: number): void {
  writeFileSync(`${file}.tmp`, `${n}\n`);
  renameSync(`${file}.tmp`, file);
}

/** What this machine offers to reservations: its CPUs and memory. */
function hostResources(): { cpus: number; memory: number } {
  return { cpus: cpus().length, memory: totalmem() };
}
