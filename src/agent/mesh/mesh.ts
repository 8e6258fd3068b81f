/**
 * The node's end of the encrypted mesh, while the node is in a cluster: its WireGuard
 * interface with every live member as a peer, the address plan for the networks it makes,
 * the packet rules (isolation, ingress), and the DNS responder for its containers. Every
 * input comes from the replicated state (projects; each node's status entry with its mesh
 * key, port, block and its containers' addresses) and the member list; `sync` makes the
 * node match them, and runs again whenever either changes.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterState, MeshInfo, NodeStatus } from '../../../crdt/index.js';
import type { InspectEndpoint, PortAnswer } from '../../api/protocol.js';
import type { ProjectSpec } from '../../compose/types.js';
import type { DockerRuntime } from '../../runtime/docker.js';
import type { NetworkOptions } from '../../runtime/types.js';
import type { ClusterController } from '../cluster/controller.js';
import type { ServiceNetView } from '../inspect.js';
import type { Logger } from '../logger.js';
import {
  blockCidr,
  blockClash,
  chooseBlock,
  freeNetworkIndex,
  inPool,
  interfaceName,
  intToIp,
  ipToInt,
  networkIndexOf,
  networkSubnet,
  nodeAddress,
} from './addressing.js';
import { type CommandRunner, runCommand } from './command.js';
import { Directory } from './directory.js';
import { MeshDnsServer } from './dns-server.js';
import { applyRules, type LocalNetwork, meshRules, removeRules } from './firewall.js';
import type { MeshDockerRuntime } from './mesh-runtime.js';
import { hostOf, MeshView } from './view.js';
import { loadOrCreateKey, meshMtu, type WgPeer, WireGuardInterface } from './wireguard.js';

/** The mesh's UDP port is the cluster port + 1 (7172 by default). */
export const MESH_PORT_OFFSET = 1;

/** Clustered, but the mesh could not start yet (a network made now would be unreachable). */
export class MeshNotReadyError extends Error {
  override name = 'MeshNotReadyError';
}

/** This node's block has no free network subnet left. */
export class MeshFullError extends Error {
  override readonly name = 'MeshFullError';
}

export interface MeshMember {
  id: string;
  /** Its name (`fizz nodes`), for `fizz ps` and `fizz inspect`. */
  name: string;
  /** host:port of its cluster endpoint. */
  address: string;
  state: string;
  self: boolean;
}

export interface MeshOptions {
  home: string;
  nodeId: string;
  state: ClusterState;
  runtime: DockerRuntime;
  logger: Logger;
  clustered: () => boolean;
  members: () => MeshMember[];
  /** This node's cluster address (host:port), for the mesh port. */
  selfAddress: () => string | undefined;
  /** Called when this node's status entry should be written again (its mesh info changed). */
  onInfo: () => void;
  run?: CommandRunner;
  /** For the order of DNS answers. */
  random?: () => number;
}

interface Active {
  info: MeshInfo;
  iface: WireGuardInterface;
  dns: MeshDnsServer;
  address: string;
  /** The tunnel's MTU, and the MTU of the networks made on the mesh. */
  mtu: number;
}

export class Mesh implements ServiceNetView {
  private active: Active | undefined;
  private directory: Directory | undefined;
  /** What `fizz ps` and `fizz inspect` read, as of the last sync. */
  private view: MeshView | undefined;
  /** Local mesh network subnet (/24 base as int) → engine network name. */
  private localNets = new Map<number, string>();
  private lastRules = '';
  private running: Promise<void> | undefined;
  private again = false;
  private readonly run: CommandRunner;
  private readonly random: () => number;
  private readonly dir: string;

  constructor(private readonly o: MeshOptions) {
    this.run = o.run ?? runCommand;
    this.random = o.random ?? Math.random;
    this.dir = join(o.home, 'mesh');
  }

  /** The mesh fields of this node's status entry. */
  info(): MeshInfo | undefined {
    return this.active?.info;
  }

  /** DNS servers for a container made now: the node's resolver, when the mesh runs. */
  dnsServers(): string[] {
    return this.active ? [this.active.address] : [];
  }

  /** A bridge network made while the mesh runs takes the next subnet of the node's block. */
  async networkOptions(opts: NetworkOptions): Promise<NetworkOptions> {
    if ((opts.driver !== undefined && opts.driver !== 'bridge') || opts.subnet) return opts;
    // A node that just joined may reconcile before its mesh is up: a network made then would
    // take the engine's default pool, and its replicas would be unreachable from other nodes
    // for as long as the network lives (ingress there fails). Bring the mesh up first.
    if (!this.active && this.o.clustered()) await this.schedule();
    const a = this.active;
    if (!a) {
      if (this.o.clustered())
        throw new MeshNotReadyError('the mesh is not up yet: the network is made once it is');
      return opts;
    }
    const used: number[] = [];
    for (const n of await this.o.runtime.docker.listNetworks()) {
      for (const c of n.IPAM?.Config ?? []) {
        const i = c.Subnet ? networkIndexOf(a.info.block, c.Subnet) : undefined;
        if (i !== undefined) used.push(i);
      }
    }
    const i = freeNetworkIndex(used);
    if (i === undefined)
      throw new MeshFullError(`this node runs ${used.length} mesh networks, the most it can`);
    return {
      ...opts,
      subnet: networkSubnet(a.info.block, i),
      options: { ...opts.options, 'com.docker.network.driver.mtu': String(a.mtu) },
    };
  }

  endpoints(project: string, service: string): InspectEndpoint[] | undefined {
    return this.view?.endpoints(project, service);
  }

  answersOn(project: string, service: string, published: number, protocol: string): PortAnswer[] | undefined {
    return this.view?.answersOn(project, service, published, protocol);
  }

  hostAddress(node: string): string | undefined {
    return this.view?.hostAddress(node);
  }

  /** The DNS answer for a query from `source`. */
  resolve(source: string, name: string): string[] | undefined {
    if (!this.directory || !inPool(source)) return undefined;
    const network = this.localNets.get(ipToInt(source) & ~255);
    if (network === undefined) return undefined;
    const found = this.directory.resolve(network, name, source);
    // Clients take the first address: a shuffled answer spreads connections over replicas.
    return found === undefined ? undefined : shuffle(found, this.random);
  }

  /** Runs `sync` now, or once more after the one running. */
  schedule(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        try {
          await this.sync();
        } catch (err) {
          this.o.logger.warn({ err: (err as Error).message, name: (err as Error).name }, 'mesh sync failed');
        }
      } while (this.again);
      this.running = undefined;
    })();
    return this.running;
  }

  private async sync(): Promise<void> {
    if (!this.o.clustered()) {
      if (this.active) await this.teardown();
      return;
    }
    const statuses = this.o.state.nodeStatuses();
    const members = this.o.members();
    const live = new Set(
      members.filter((m) => m.self || m.state === 'alive' || m.state === 'suspect').map((m) => m.id),
    );
    live.add(this.o.nodeId);
    if (!this.active) await this.start(statuses);
    const a = this.active!;

    const peers: WgPeer[] = [];
    for (const m of members) {
      const mesh = statuses.get(m.id)?.mesh;
      if (m.self || !live.has(m.id) || !mesh) continue;
      peers.push({
        key: mesh.key,
        endpoint: `${hostOf(m.address)}:${mesh.port}`,
        allowedIps: blockCidr(mesh.block),
      });
    }
    await a.iface.setPeers(peers);

    const projects = this.o.state
      .listProjects()
      .map((p) => this.o.state.getProject(p) as ProjectSpec | undefined)
      .filter((p): p is ProjectSpec => p !== undefined);
    const directory = new Directory({ self: this.o.nodeId, projects, statuses, live });

    const localNets = new Map<number, string>();
    const networks: LocalNetwork[] = [];
    for (const n of await this.o.runtime.docker.listNetworks()) {
      const subnet = (n.IPAM?.Config ?? [])
        .map((c) => c.Subnet)
        .find((s) => s && networkIndexOf(a.info.block, s));
      if (!subnet) continue;
      localNets.set(ipToInt(subnet.split('/')[0]!), n.Name);
      const remote = new Set<string>();
      for (const [node, st] of statuses) {
        if (node === this.o.nodeId || !live.has(node)) continue;
        for (const c of st.containers) {
          const ip = c.addresses?.[n.Name];
          if (ip && inPool(ip)) remote.add(`${intToIp(ipToInt(ip) & ~255)}/24`);
        }
      }
      const bridge = n.Options?.['com.docker.network.bridge.name'] ?? `br-${n.Id.slice(0, 12)}`;
      networks.push({ name: n.Name, bridge, remoteSubnets: [...remote].sort() });
    }
    const published: Array<{ ip: string; protocol: string; target: number }> = [];
    for (const c of statuses.get(this.o.nodeId)?.containers ?? []) {
      for (const p of c.ports ?? []) {
        if (p.published === undefined) continue;
        for (const ip of Object.values(c.addresses ?? {}))
          if (inPool(ip)) published.push({ ip, protocol: p.protocol, target: p.target });
      }
    }
    const ingress = directory.ingress();
    const rules = meshRules({ iface: a.iface.name, networks, published, ingress });
    if (rules !== this.lastRules) {
      await applyRules(this.run, rules);
      this.lastRules = rules;
    } else {
      // Docker may have put a new network's masquerade rule above ours: applyRules checks.
      await applyRules(this.run, '');
    }
    this.localNets = localNets;
    this.directory = directory;
    this.view = new MeshView(directory, members, statuses, ingress);
  }

  private async start(statuses: Map<string, NodeStatus>): Promise<void> {
    const self = this.o.selfAddress();
    if (!self) throw new Error('no cluster address for the mesh');
    const port = Number(self.slice(self.lastIndexOf(':') + 1)) + MESH_PORT_OFFSET;
    const others = new Map<string, number>();
    for (const [id, s] of statuses) if (id !== this.o.nodeId && s.mesh) others.set(id, s.mesh.block);
    const block = this.ownBlock(others);
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const keyFile = join(this.dir, 'key.json');
    const key = loadOrCreateKey(keyFile).publicKey;
    const iface = new WireGuardInterface(interfaceName(this.o.nodeId), this.run);
    const address = nodeAddress(block);
    const mtu = await meshMtu(this.run, hostOf(self));
    await iface.up(keyFile, port, address, mtu);
    const dns = new MeshDnsServer((src, name) => this.resolve(src, name), this.o.logger);
    await dns.listen(address);
    this.active = { info: { key, port, block }, iface, dns, address, mtu };
    this.o.logger.info({ iface: iface.name, address, port, block, mtu }, 'mesh up');
    this.o.onInfo();
  }

  /** The block this node keeps across restarts (its networks' subnets are in it). */
  private ownBlock(others: Map<string, number>): number {
    const file = join(this.dir, 'block.json');
    if (existsSync(file)) {
      const saved = (JSON.parse(readFileSync(file, 'utf8')) as { block: number }).block;
      if (!blockClash(this.o.nodeId, saved, others)) return saved;
      this.o.logger.warn({ block: saved }, 'mesh block taken by another node; choosing another');
    }
    const block = chooseBlock(this.o.nodeId, others.values());
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeFileSync(file, `${JSON.stringify({ block })}\n`);
    return block;
  }

  private async teardown(): Promise<void> {
    const a = this.active!;
    this.active = undefined;
    this.directory = undefined;
    this.view = undefined;
    a.dns.close();
    await removeRules(this.run);
    await a.iface.down();
    this.lastRules = '';
    this.o.onInfo();
  }

  /** Syncs on every change of the replicated state, and every `periodMs` in any case (a
   * member's death arrives through onChange of the cluster controller: see startMesh). */
  watch(periodMs = 2000): void {
    const off = this.o.state.on('change', () => void this.schedule());
    const timer = setInterval(() => void this.schedule(), periodMs);
    timer.unref();
    this.unwatch = () => {
      off();
      clearInterval(timer);
    };
  }

  private unwatch = () => {};

  /** The agent stops: the interface and rules stay for the next agent (traffic goes on). */
  close(): void {
    this.unwatch();
    this.active?.dns.close();
  }
}

/** A copy of `list` in random order (Fisher-Yates). */
export function shuffle<T>(list: T[], random: () => number): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** The daemon's mesh: on the agent's runtime, fed by its cluster controller. */
export function startMesh(o: {
  home: string;
  nodeId: string;
  state: ClusterState;
  runtime: MeshDockerRuntime;
  logger: Logger;
  cluster: ClusterController;
  kick: () => void;
}): Mesh {
  const mesh = new Mesh({
    home: o.home,
    nodeId: o.nodeId,
    state: o.state,
    runtime: o.runtime,
    logger: o.logger.child({ component: 'mesh' }),
    clustered: () => o.cluster.clustered,
    members: () => o.cluster.nodes(),
    selfAddress: () => o.cluster.nodes().find((n) => n.self)?.address || undefined,
    onInfo: o.kick,
  });
  o.runtime.mesh = mesh;
  mesh.watch();
  return mesh;
}
