/**
 * The agent's side of the cluster: starts membership (SWIM + libp2p on the agent's store)
 * when FIZZ_HOME holds a cluster config, makes or joins a cluster on `fizz init` / `fizz
 * join`, and tells the reconciler whom to place over. A node in no cluster is alone by
 * choice: it places over itself. A node's member name is its node id (the value of its
 * containers' `fizz.node` label and its store's writer id); its human name rides in the
 * metadata.
 */
import { join } from 'node:path';
import { type ClusterNode, startClusterNode } from '../membership/cluster-node.js';
import { localIdentity } from '../secrets/box.js';
import { Admissions } from './admissions.js';
import { ClusterMdns } from './cluster-mdns.js';
import {
  type ClusterConfig,
  ClusterConfigError,
  ClusterJoinError,
  DEFAULT_CLUSTER_PORT,
  defaultNodeName,
  formatAddress,
  newClusterKey,
  newNodeConfig,
  parseAddress,
  readClusterConfig,
  removeClusterConfig,
  writeClusterConfig,
} from './config.js';
import type { ClusterControllerOptions, InitRequest, JoinRequest, JoinResult } from './controller-options.js';
import { clusterIdOf } from './key-rotation.js';
import type { MdnsResponder } from './mdns-socket.js';
import { MemberKeys } from './member-keys.js';
import { MemberView } from './member-view.js';
import { NodeKeys } from './node-keys.js';
import { dropRemovedStatuses, type NodeEntry, nodeEntries, soloEntry, soloMember } from './node-list.js';
import type { QuorumView } from './quorum.js';
import { waitJoined } from './wait-joined.js';

export { ClusterJoinError } from './config.js';
export type {
  ClusterControllerOptions,
  InitRequest,
  JoinRequest,
  JoinResult,
} from './controller-options.js';
export type { NodeEntry } from './node-list.js';

export class ClusterController {
  private config: ClusterConfig | undefined;
  private node: ClusterNode | undefined;
  /** Whom placement runs over (member-view.ts). */
  private readonly members: MemberView;
  private offMember: (() => void) | undefined;
  private readonly admissions: Admissions;
  private readonly keys: NodeKeys;
  private readonly memberKeys: MemberKeys;
  /** The cluster's mDNS: answering while a member, asking while joining (cluster-mdns.ts). */
  private readonly mdns: ClusterMdns;
  /** The host a join's mDNS query is sent from (the joiner's own address). */
  private joinHost: string | undefined;
  /** The name of a node being started (a join logs under it before the config is written). */
  private startingAs: string | undefined;

  constructor(private readonly o: ClusterControllerOptions) {
    this.members = new MemberView({
      home: o.home,
      nodeId: o.nodeId,
      state: o.store.state,
      logger: o.logger,
      now: () => this.now(),
    });
    this.mdns = new ClusterMdns({
      nodeId: o.nodeId,
      logger: o.logger,
      ...(o.clock ? { clock: o.clock } : {}),
      ...(o.mdns !== undefined ? { mdns: o.mdns } : {}),
      joinHost: () => this.joinHost,
    });
    this.keys = new NodeKeys(o.store.state);
    this.admissions = new Admissions({
      state: o.store.state,
      keys: this.keys,
      clock: o.clock ?? Date.now,
      logger: o.logger,
      members: () => this.node?.swim.members() ?? [],
      ...(this.mdns.discover ? { discover: this.mdns.discover } : {}),
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
        if (rekeyed) void this.mdns.restart(c, () => this.node !== undefined);
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
    return this.mdns.stats;
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
      ...newNodeConfig(req, newClusterKey(), req.tie ?? 'availability'),
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
    const base = newNodeConfig(req, '', 'availability');
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
    this.members.drop(id);
    this.o.onChange();
    return id;
  }

  /** The identity secrets and configs are sealed to: the cluster's, else this home's own. */
  async secretsIdentity(): Promise<string> {
    return this.config?.secrets ?? (await localIdentity(this.o.home));
  }

  /** Every member this node knows, itself first; a removed node (`fizz node rm`) is none. */
  nodes(): NodeEntry[] {
    if (!this.node || !this.config) return [soloEntry(this.o.nodeId)];
    return nodeEntries(this.node, this.o.nodeId, new Set(this.admissions.book.deniedIds()));
  }

  /** Whom placement runs over now (see quorum.ts); persists the stable view when it changes. */
  view(): QuorumView {
    if (!this.node || !this.config) {
      const self = soloMember(this.o.nodeId);
      return { majority: true, eligible: [self], placement: [self], stable: [self], unseen: [] };
    }
    // A removed node (`fizz node rm`) is no member of any view, even while it still talks.
    const denied = new Set(this.admissions.book.deniedIds());
    return this.members.of(this.node.members(), denied, this.config.tie);
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
    this.members.clear();
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
      if (e.kind === 'node-status' || e.kind === 'secret')
        queueMicrotask(() =>
          dropRemovedStatuses(this.o.store.state, this.admissions.book.deniedIds(), this.o.nodeId),
        );
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
    await this.mdns.start(config);
    this.memberKeys.start();
    return node;
  }

  private async stopNode(node: ClusterNode): Promise<void> {
    this.startingAs = undefined;
    this.memberKeys.stop();
    this.offMember?.();
    this.offMember = undefined;
    await this.mdns.stop();
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
}
