/**
 * The agent's side of the cluster: starts membership (SWIM + libp2p on the agent's store)
 * when FIZZ_HOME holds a cluster config, makes or joins a cluster on `fizz init` / `fizz
 * join`, and tells the reconciler whom to place over. A node in no cluster is alone by
 * choice: it places over itself. A node's member name is its node id (the value of its
 * containers' `fizz.node` label and its store's writer id); its human name rides in the
 * metadata.
 */
import { join } from 'node:path';
import type { Store } from '../../../crdt/index.js';
import type { PlacementMember } from '../../placement/types.js';
import type { Logger } from '../logger.js';
import { type ClusterNode, type ClusterNodeOptions, startClusterNode } from '../membership/cluster-node.js';
import { localIdentity } from '../secrets/box.js';
import { Admissions, clusterFingerprint } from './admissions.js';
import {
  type ClusterConfig,
  ClusterConfigError,
  ClusterJoinError,
  checkNodeName,
  DEFAULT_CLUSTER_PORT,
  defaultHost,
  defaultNodeName,
  formatAddress,
  newClusterKey,
  parseAddress,
  readClusterConfig,
  removeClusterConfig,
  type TieRule,
  writeClusterConfig,
} from './config.js';
import { clusterIdOf } from './key-rotation.js';
import { mdnsService } from './mdns.js';
import { MdnsResponder, mdnsDiscover } from './mdns-socket.js';
import { MemberKeys } from './member-keys.js';
import { NodeKeys } from './node-keys.js';
import { type QuorumView, quorum, sameView } from './quorum.js';
import { readStableView, writeStableView } from './stable-view.js';
import { waitJoined } from './wait-joined.js';

/** How long the members seen must hold still before the stable view shrinks (quorum.ts). */
export const SETTLE_MS = 10_000;

export interface ClusterControllerOptions {
  home: string;
  nodeId: string;
  store: Store;
  logger: Logger;
  /** Called when whom to place over may have changed. */
  onChange: () => void;
  /** How long `join` waits for the seeds to answer, ms (default 15 s). */
  joinTimeoutMs?: number;
  /** SWIM and network knobs, for tests. */
  nodeOptions?: Partial<ClusterNodeOptions>;
  /** Called with each membership node once it runs (the agent serves its protocols on it). */
  onNode?: (node: ClusterNode) => Promise<void>;
  /** Wall clock for token expiry (default Date.now). */
  clock?: () => number;
  /** mDNS (mdns.ts): false turns the responder and the joiner's query off; a port for tests. */
  mdns?: false | { port?: number; group?: string };
}

export interface InitRequest {
  address?: string;
  name?: string;
  tie?: TieRule;
  labels?: Record<string, string>;
}

export interface JoinRequest extends Omit<InitRequest, 'tie'> {
  peer?: string;
  token: string;
}

export interface JoinResult {
  name: string;
  address: string;
  token: string;
  tie: TieRule;
  members: number;
}

export { ClusterJoinError } from './config.js';

export interface NodeEntry {
  id: string;
  name: string;
  address: string;
  state: PlacementMember['status'];
  labels: Record<string, string>;
  capacity: number;
  version: string;
  self: boolean;
  incarnation: number;
  /** This node only: SWIM messages it dropped, by reason (forged, stale, auth, …). */
  dropped?: Record<string, number>;
}

export class ClusterController {
  private config: ClusterConfig | undefined;
  private node: ClusterNode | undefined;
  private stable: PlacementMember[];
  /** The members seen (with their status) and since when, for `settled` (quorum.ts). */
  private seen = { key: '', since: 0 };
  private offMember: (() => void) | undefined;
  private readonly admissions: Admissions;
  private readonly keys: NodeKeys;
  private readonly memberKeys: MemberKeys;
  private responder: MdnsResponder | undefined;
  /** The host a join's mDNS query is sent from (the joiner's own address). */
  private joinHost: string | undefined;
  /** The name of a node being started (a join logs under it before the config is written). */
  private startingAs: string | undefined;

  constructor(private readonly o: ClusterControllerOptions) {
    this.stable = readStableView(o.home);
    this.keys = new NodeKeys(o.store.state);
    this.admissions = new Admissions({
      state: o.store.state,
      keys: this.keys,
      clock: o.clock ?? Date.now,
      logger: o.logger,
      members: () => this.node?.swim.members() ?? [],
      ...(o.mdns === false
        ? {}
        : {
            discover: (fingerprint: Uint8Array) =>
              mdnsDiscover({
                service: mdnsService(fingerprint),
                host: this.joinHost ?? defaultHost() ?? '0.0.0.0',
                ...o.mdns,
              }),
          }),
    });
    this.memberKeys = new MemberKeys({
      home: o.home,
      nodeId: o.nodeId,
      state: o.store.state,
      logger: o.logger,
      clock: o.clock ?? Date.now,
      keys: this.keys,
      admissions: this.admissions,
      member: () => (this.node && this.config ? { node: this.node, config: this.config } : undefined),
      setConfig: (c) => {
        const rekeyed = this.config !== undefined && this.config.key !== c.key;
        writeClusterConfig(this.o.home, c);
        this.config = c;
        // mDNS answers under the key's fingerprint (what a new token names).
        if (rekeyed) void this.restartResponder(c);
      },
    });
  }

  /** `fizz key rotate`: a new cluster key through every live member, none ever leaving. */
  async rotateKey(): Promise<{ id: string; members: number }> {
    this.requireConfig();
    return this.memberKeys.rotate();
  }

  get clustered(): boolean {
    return this.node !== undefined;
  }

  get clusterNode(): ClusterNode | undefined {
    return this.node;
  }

  /** This node's name: the cluster config's, or the host's outside a cluster. */
  get selfName(): string {
    return this.config?.name ?? this.startingAs ?? defaultNodeName();
  }

  /** The mDNS responder's counts (answered, rate-limited, malformed), while it runs. */
  get mdnsStats(): MdnsResponder['stats'] | undefined {
    return this.responder?.stats;
  }

  /** Starts membership when this node is in a cluster (rejoining through its seeds). */
  async resume(): Promise<void> {
    const config = readClusterConfig(this.o.home);
    if (!config) return;
    // A cluster made before signed metadata has no binding of this node's key: make it.
    await this.memberKeys.registerSelf(true);
    this.node = await this.startNode(config, config.seeds);
    this.config = config;
  }

  /** `fizz init`: this node becomes the first member of a new cluster. */
  async init(req: InitRequest): Promise<JoinResult> {
    this.refuseIfMember();
    // The node's own secrets identity becomes the cluster's: what it sealed stays readable.
    const config = {
      ...this.newConfig(req, newClusterKey(), req.tie ?? 'availability'),
      secrets: await localIdentity(this.o.home),
    };
    await this.memberKeys.registerSelf(false);
    const node = await this.startNode(config, []);
    writeClusterConfig(this.o.home, config);
    this.config = config;
    this.node = node;
    this.o.logger.info({ name: config.name, address: config.address, tie: config.tie }, 'cluster created');
    return this.result(config);
  }

  /**
   * `fizz join`: admission through `peer` (else the token's addresses) proves the token and
   * brings the cluster key (admissions.ts); then membership through the member that admitted.
   */
  async join(req: JoinRequest): Promise<JoinResult> {
    this.refuseIfMember();
    const base = this.newConfig(req, '', 'availability');
    this.joinHost = parseAddress(base.address).host;
    const peer = req.peer ? parseAddress(req.peer) : undefined;
    let admitted: Awaited<ReturnType<Admissions['join']>>;
    try {
      admitted = await this.admissions.join(
        req.token,
        peer ? formatAddress(peer.host, peer.port) : undefined,
        {
          node: this.o.nodeId,
          name: base.name,
          key: Buffer.from(await this.memberKeys.publicKey()).toString('base64url'),
        },
        this.o.joinTimeoutMs,
      );
    } catch (err) {
      if ((err as Error).name !== 'AdmissionError') throw err;
      throw new ClusterJoinError(
        `${(err as Error).message}. Check the token (\`fizz token\` on a member prints a new one) and that the member is reachable on TCP ${DEFAULT_CLUSTER_PORT + 1}`,
      );
    }
    const { welcome, seed } = admitted;
    this.keys.learn(welcome.keys);
    const seeds = [seed, ...welcome.seeds.filter((s) => s !== seed && s !== base.address)].slice(0, 5);
    const config: ClusterConfig = {
      ...base,
      key: welcome.key,
      tie: welcome.tie,
      seeds,
      ...(welcome.secrets ? { secrets: welcome.secrets } : {}),
    };
    const node = await this.startNode(config, seeds);
    try {
      await waitJoined(node, seeds, this.o.joinTimeoutMs ?? 15_000);
      const clash = node
        .members()
        .find((m) => m.id !== this.o.nodeId && m.name === config.name && m.status === 'alive');
      if (clash)
        throw new ClusterJoinError(
          `another member is named "${config.name}" (${clash.id}); join again with --name <another name>`,
        );
    } catch (err) {
      await this.stopNode(node);
      throw err;
    }
    writeClusterConfig(this.o.home, config);
    this.config = config;
    this.node = node;
    this.o.logger.info({ name: config.name, seeds }, 'joined the cluster');
    this.o.onChange();
    return this.result(config);
  }

  /** A new token to join this node's cluster through it and the other live members. */
  token(ttlMs?: number, withAddresses = true): { token: string; expires: number } {
    const config = this.requireConfig();
    return this.admissions.issue(config, ttlMs, withAddresses);
  }

  /** `fizz token revoke`: one token (its text), or every one; how many were live. */
  revokeTokens(token?: string): number {
    this.requireConfig();
    return this.admissions.revoke(token);
  }

  /**
   * `fizz node rm`: the node (by name or id) is removed for good: refused admission, left
   * out of placement (its slots move), its status entry dropped.
   */
  removeNode(nameOrId: string): string {
    this.requireConfig();
    const n = this.nodes().find((x) => x.id === nameOrId || x.name === nameOrId);
    const id = n?.id ?? (nameOrId.startsWith('node-') ? nameOrId : undefined);
    if (!id) throw new ClusterConfigError(`no node "${nameOrId}" in the cluster (\`fizz nodes\` lists them)`);
    if (id === this.o.nodeId)
      throw new ClusterConfigError('a node cannot remove itself: run `fizz node rm` on another member');
    this.admissions.book.deny(id);
    this.o.store.state.removeNodeStatus(id);
    this.stable = this.stable.filter((m) => m.id !== id);
    this.o.onChange();
    return id;
  }

  /** The identity secrets and configs are sealed to: the cluster's, else this home's own. */
  async secretsIdentity(): Promise<string> {
    return this.config?.secrets ?? (await localIdentity(this.o.home));
  }

  /**
   * A removed node that still runs writes its status entry again (it does not know it was
   * removed): every member drops it again, so `fizz ps`, hand-offs and the dashboard never
   * count its replicas.
   */
  private dropDeniedStatuses(): void {
    const state = this.o.store.state;
    for (const id of this.admissions.book.deniedIds())
      if (id !== this.o.nodeId && state.nodeStatuses().has(id)) state.removeNodeStatus(id);
  }

  /** Every member this node knows, itself first; a removed node (`fizz node rm`) is none. */
  nodes(): NodeEntry[] {
    if (!this.node || !this.config) return [this.soloEntry()];
    const denied = new Set(this.admissions.book.deniedIds());
    const members = this.node.swim.members().filter((m) => m.name === this.o.nodeId || !denied.has(m.name));
    const out: NodeEntry[] = members.map((m) => ({
      id: m.name,
      name: typeof m.meta.name === 'string' && m.meta.name ? m.meta.name : m.name,
      address: m.address,
      state: m.state,
      labels: { ...(m.meta.labels ?? {}) },
      capacity: m.meta.capacity?.weight ?? 1,
      version: m.meta.version ?? '',
      self: m.name === this.o.nodeId,
      incarnation: m.incarnation,
      ...(m.name === this.o.nodeId ? { dropped: { ...this.node!.swim.stats.dropped } } : {}),
    }));
    return out.sort((a, b) => Number(b.self) - Number(a.self) || a.name.localeCompare(b.name));
  }

  /** Whom placement runs over now (see quorum.ts); persists the stable view when it changes. */
  view(): QuorumView {
    if (!this.node || !this.config) {
      const self = this.selfMember();
      return { majority: true, eligible: [self], placement: [self], stable: [self], unseen: [] };
    }
    // A removed node (`fizz node rm`) is no member of any view, even while it still talks.
    const denied = new Set(this.admissions.book.deniedIds());
    const members = this.node.members().filter((m) => !denied.has(m.id));
    // The view may shrink only once the members seen have held still for SETTLE_MS.
    const seenKey = members
      .filter((m) => m.status === 'alive' || m.status === 'suspect')
      .map((m) => `${m.id}:${m.status}`)
      .sort()
      .join(' ');
    const now = this.now();
    if (seenKey !== this.seen.key) this.seen = { key: seenKey, since: now };
    const v = quorum({
      stable: this.stable.filter((m) => !denied.has(m.id)),
      members,
      tie: this.config.tie,
      settled: now - this.seen.since >= SETTLE_MS,
    });
    if (!sameView(v.stable, this.stable)) {
      // Members the cluster agreed are gone: their status entries go too, so the state does
      // not grow with every node that ever was (a node that comes back writes its own again).
      const kept = new Set(v.stable.map((m) => m.id));
      for (const m of this.stable)
        if (!kept.has(m.id) && m.id !== this.o.nodeId) this.o.store.state.removeNodeStatus(m.id);
      this.stable = v.stable;
      try {
        writeStableView(this.o.home, v.stable);
      } catch (err) {
        this.o.logger.warn({ err: (err as Error).message }, 'stable member view not written');
      }
    }
    return v;
  }

  /** Names of members by id (for `fizz ps`'s NODE column). */
  names(): Map<string, string> {
    return new Map(this.nodes().map((n) => [n.id, n.name]));
  }

  /** Sets this node's labels (`k=v`) and removes others (`k-`); gossiped at once. */
  label(set: Record<string, string>, unset: string[]): Record<string, string> {
    const config = this.requireConfig();
    const labels = { ...config.labels, ...set };
    for (const k of unset) delete labels[k];
    this.config = { ...config, labels };
    writeClusterConfig(this.o.home, this.config);
    this.node?.updateMeta({ labels });
    this.o.onChange();
    return labels;
  }

  /** Capacity 0: this node holds no slot, so its replicas move away (make-before-break). */
  drain(): void {
    this.requireConfig();
    this.node?.updateMeta({ capacity: 0 });
    this.o.onChange();
  }

  /** Leaves the cluster for good: tells the others, forgets the config and the stable view. */
  async leave(): Promise<void> {
    this.requireConfig();
    const node = this.node;
    this.node = undefined;
    this.config = undefined;
    if (node) await this.stopNode(node);
    removeClusterConfig(this.o.home);
    this.stable = [];
    writeStableView(this.o.home, []);
  }

  async stop(): Promise<void> {
    const node = this.node;
    this.node = undefined;
    if (node) await this.stopNode(node);
  }

  private now(): number {
    return (this.o.clock ?? Date.now)();
  }

  private refuseIfMember(): void {
    if (this.config)
      throw new ClusterJoinError(
        `this node is already a member of a cluster (as "${this.config.name}" at ${this.config.address}); run \`fizz leave\` first`,
      );
  }

  private requireConfig(): ClusterConfig {
    if (!this.config)
      throw new ClusterConfigError(
        'this node is in no cluster: run `fizz init`, or `fizz join <peer> --token T`',
      );
    return this.config;
  }

  private newConfig(req: InitRequest, key: string, tie: TieRule): ClusterConfig {
    const host = req.address
      ? parseAddress(req.address)
      : { host: defaultHost() ?? '', port: DEFAULT_CLUSTER_PORT };
    if (!host.host)
      throw new ClusterConfigError(
        'no network address found to listen on: give one with --listen <ip>[:port]',
      );
    if (host.port === 0) throw new ClusterConfigError(`invalid port in "${req.address}"`);
    return {
      version: 1,
      key,
      address: formatAddress(host.host, host.port),
      name: checkNodeName(req.name ?? defaultNodeName()),
      seeds: [],
      tie,
      labels: { ...(req.labels ?? {}) },
    };
  }

  private async startNode(config: ClusterConfig, seeds: string[]): Promise<ClusterNode> {
    const { host, port } = parseAddress(config.address);
    this.startingAs = config.name;
    const node = await startClusterNode({
      dataDir: join(this.o.home, 'cluster'),
      clusterKey: Buffer.from(config.key, 'base64url'),
      acceptKeys: (config.accept ?? []).map((k) => Buffer.from(k, 'base64url')),
      clusterId: clusterIdOf(config),
      host,
      port,
      seeds,
      nodeName: this.o.nodeId,
      displayName: config.name,
      labels: config.labels,
      store: this.o.store,
      logger: this.o.logger,
      ...(await this.memberKeys.nodeOptions()),
      ...this.o.nodeOptions,
    });
    const offMember = node.on('member', () => this.o.onChange());
    const offDenied = this.o.store.state.on('change', (e) => {
      if (e.kind === 'node-status' || e.kind === 'secret') queueMicrotask(() => this.dropDeniedStatuses());
    });
    this.offMember = () => {
      offMember();
      offDenied();
    };
    await this.o
      .onNode?.(node)
      .catch((err) =>
        this.o.logger.warn({ err: (err as Error).message }, 'a protocol was not served on the cluster node'),
      );
    try {
      await this.admissions.listen(config, () => this.config ?? config);
    } catch (err) {
      await node.stop().catch(() => {});
      throw new ClusterConfigError(
        `cannot serve admissions on ${config.address} port + 1: ${(err as Error).message}`,
      );
    }
    await this.startResponder(config);
    this.memberKeys.start();
    return node;
  }

  private async restartResponder(config: ClusterConfig): Promise<void> {
    const old = this.responder;
    this.responder = undefined;
    await old?.stop();
    if (this.node) await this.startResponder(config);
  }

  /** Answers mDNS for the cluster while a member; a LAN that drops multicast only loses that. */
  private async startResponder(config: ClusterConfig): Promise<void> {
    const { host } = parseAddress(config.address);
    if (this.o.mdns === false || host.includes(':')) return;
    try {
      this.responder = await MdnsResponder.start({
        host,
        service: mdnsService(clusterFingerprint(config.key)),
        self: { id: this.o.nodeId, address: config.address },
        logger: this.o.logger,
        ...(this.o.clock ? { clock: this.o.clock } : {}),
        ...this.o.mdns,
      });
    } catch (err) {
      this.o.logger.warn({ err: (err as Error).message }, 'not answering mDNS');
    }
  }

  private async stopNode(node: ClusterNode): Promise<void> {
    this.startingAs = undefined;
    this.memberKeys.stop();
    this.offMember?.();
    this.offMember = undefined;
    const responder = this.responder;
    this.responder = undefined;
    await responder?.stop();
    await this.admissions.close();
    await node
      .stop()
      .catch((err) => this.o.logger.warn({ err: (err as Error).message }, 'cluster node stop'));
  }

  private result(config: ClusterConfig): JoinResult {
    return {
      name: config.name,
      address: config.address,
      token: this.token().token,
      tie: config.tie,
      members: this.node?.swim.numLive ?? 1,
    };
  }

  private selfMember(): PlacementMember {
    return { id: this.o.nodeId, name: defaultNodeName(), status: 'alive', labels: {} };
  }

  private soloEntry(): NodeEntry {
    return {
      id: this.o.nodeId,
      name: defaultNodeName(),
      address: '',
      state: 'alive',
      labels: {},
      capacity: 1,
      version: '',
      self: true,
      incarnation: 0,
    };
  }
}
