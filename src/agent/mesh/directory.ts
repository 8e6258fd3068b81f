/**
 * Who answers where, across the cluster, from the desired state and every node's status
 * entry: the addresses a name resolves to on a project network (service discovery), the
 * replicas a published port leads to (ingress), a service's endpoints (`fizz inspect`).
 * Pure: the same inputs give the same answers on every node.
 */
import type { NodeStatus } from '../../../crdt/index.js';
import type { ProjectSpec } from '../../compose/types.js';
import { inPool } from './addressing.js';

export interface Endpoint {
  node: string;
  project: string;
  service: string;
  replica: number;
  /** Engine network name → IPv4 address. */
  addresses: Record<string, string>;
  state: string;
  health: string;
  /** Takes new connections: running, not unhealthy or still starting, on a live node. */
  ready: boolean;
}

export interface IngressRule {
  protocol: string;
  published: number;
  target: number;
  project: string;
  service: string;
  /** Ready replicas' mesh addresses (on the service's first mesh network), local first. */
  backends: Array<{ node: string; ip: string }>;
  /** A ready replica runs on this node: the engine's own port mapping answers. */
  local: boolean;
}

export interface DirectoryInput {
  self: string;
  projects: ProjectSpec[];
  statuses: Map<string, NodeStatus>;
  /** Nodes that count as up (alive or suspect; self included). */
  live: Set<string>;
}

/** Whether a replica in this state may get new connections. */
export function isReady(state: string, health: string | undefined): boolean {
  return state === 'running' && health !== 'unhealthy' && health !== 'starting';
}

export class Directory {
  /** engine network → name → [project, service] */
  private readonly names = new Map<string, Map<string, Array<[string, string]>>>();
  /** `project/service` → its `links` (alias → linked service). */
  private readonly links = new Map<string, Map<string, string>>();
  private readonly endpoints: Endpoint[] = [];

  constructor(private readonly input: DirectoryInput) {
    for (const p of input.projects) this.indexProject(p);
    for (const [node, status] of input.statuses) {
      for (const c of status.containers) {
        const addresses = isAddressMap(c.addresses) ? c.addresses : {};
        this.endpoints.push({
          node,
          project: c.project,
          service: c.service,
          replica: c.replica,
          addresses,
          state: c.state,
          health: c.health ?? 'none',
          ready: input.live.has(node) && isReady(c.state, c.health) && c.draining !== true,
        });
      }
    }
    // Local replicas first, then by node and replica: stable answers, local preferred.
    this.endpoints.sort(
      (a, b) =>
        Number(b.node === input.self) - Number(a.node === input.self) ||
        (a.node < b.node ? -1 : a.node > b.node ? 1 : 0) ||
        a.replica - b.replica,
    );
  }

  private indexProject(p: ProjectSpec): void {
    for (const [service, s] of Object.entries(p.services)) {
      const links = (s as { links?: string[] }).links ?? [];
      if (links.length > 0)
        this.links.set(
          `${p.name}/${service}`,
          new Map(
            links.map((l) => {
              const [target, alias] = l.split(':');
              return [(alias ?? target!).toLowerCase(), target!];
            }),
          ),
        );
      if (s.network_mode !== undefined) continue;
      for (const [key, sn] of Object.entries(s.networks ?? {})) {
        const net = p.networks[key]?.name;
        if (!net) continue;
        const byName = this.names.get(net) ?? new Map<string, Array<[string, string]>>();
        this.names.set(net, byName);
        const own = s.container_name ? [s.container_name] : [];
        for (const n of new Set([service, `${service}.${p.name}`, ...own, ...(sn?.aliases ?? [])])) {
          const k = n.toLowerCase();
          const list = byName.get(k) ?? [];
          if (!list.some(([pp, ss]) => pp === p.name && ss === service)) list.push([p.name, service]);
          byName.set(k, list);
        }
      }
    }
  }

  /** The addresses `name` resolves to for the container at `source` on engine network
   * `network`, or undefined when no service there has that name (nor a link of the asker's). */
  resolve(network: string, name: string, source?: string): string[] | undefined {
    const services = this.names.get(network)?.get(name.toLowerCase()) ?? this.linked(network, name, source);
    if (!services) return undefined;
    const out: string[] = [];
    for (const e of this.endpoints) {
      if (!e.ready || !services.some(([p, s]) => p === e.project && s === e.service)) continue;
      const ip = e.addresses[network];
      if (ip) out.push(ip);
    }
    return out;
  }

  /** `links: [db:database]` of the asking container's service: `database` is db, on a shared network. */
  private linked(network: string, name: string, source?: string): Array<[string, string]> | undefined {
    const asker = source && this.endpoints.find((e) => e.addresses[network] === source);
    const target = asker
      ? this.links.get(`${asker.project}/${asker.service}`)?.get(name.toLowerCase())
      : undefined;
    if (!asker || target === undefined) return undefined;
    const onNetwork = this.names.get(network)?.get(target.toLowerCase());
    return onNetwork?.filter(([p, s]) => p === asker.project && s === target);
  }

  /** Every replica of a service anywhere, ready or not. */
  serviceEndpoints(project: string, service: string): Endpoint[] {
    return this.endpoints.filter((e) => e.project === project && e.service === service);
  }

  /** Published ports of every project, with the replicas a connection may go to. */
  ingress(): IngressRule[] {
    const out: IngressRule[] = [];
    for (const p of this.input.projects) {
      for (const [service, s] of Object.entries(p.services)) {
        for (const port of s.ports ?? []) {
          const published = Number(port.published);
          if (!Number.isInteger(published) || published <= 0 || port.mode === 'host') continue;
          if (port.protocol !== 'tcp' && port.protocol !== 'udp') continue;
          const ready = this.endpoints.filter(
            (e) => e.ready && e.project === p.name && e.service === service,
          );
          const backends: IngressRule['backends'] = [];
          for (const e of ready) {
            const ip = firstMeshAddress(e.addresses, s.networks, p);
            if (ip) backends.push({ node: e.node, ip });
          }
          out.push({
            protocol: port.protocol,
            published,
            target: port.target,
            project: p.name,
            service,
            backends,
            local: ready.some((e) => e.node === this.input.self),
          });
        }
      }
    }
    return out;
  }
}

function firstMeshAddress(
  addresses: Record<string, string>,
  networks: ProjectSpec['services'][string]['networks'],
  p: ProjectSpec,
): string | undefined {
  for (const key of Object.keys(networks ?? {})) {
    const name = p.networks[key]?.name;
    const ip = name ? addresses[name] : undefined;
    // Outside the pool (a network made before the mesh ran): no other node can route to it.
    if (ip && inPool(ip)) return ip;
  }
  return undefined;
}

function isAddressMap(v: unknown): v is Record<string, string> {
  return (
    v !== null &&
    typeof v === 'object' &&
    !Array.isArray(v) &&
    Object.values(v as object).every((x) => typeof x === 'string')
  );
}
