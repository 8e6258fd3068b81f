/**
 * What `fizz ps` and `fizz inspect` read of the mesh, as of its last sync: a service's
 * replicas anywhere (node name, the node's mesh address, container addresses, health), and
 * the nodes a published port answers on when ingress routes it. Pure.
 */
import type { NodeStatus } from '../../../crdt/index.js';
import type { InspectEndpoint, PortAnswer } from '../../api/protocol.js';
import type { ServiceNetView } from '../inspect.js';
import { nodeAddress } from './addressing.js';
import type { Directory, IngressRule } from './directory.js';
import type { MeshMember } from './mesh.js';

/** The host of a `host:port` address. */
export function hostOf(address: string): string {
  return address.slice(0, address.lastIndexOf(':'));
}

function ingressKey(project: string, service: string, published: number, protocol: string): string {
  return `${project}/${service}/${published}/${protocol}`;
}

export class MeshView implements ServiceNetView {
  private readonly ingress: Set<string>;

  constructor(
    private readonly directory: Directory,
    private readonly members: MeshMember[],
    private readonly statuses: Map<string, NodeStatus>,
    ingress: IngressRule[],
  ) {
    this.ingress = new Set(ingress.map((r) => ingressKey(r.project, r.service, r.published, r.protocol)));
  }

  endpoints(project: string, service: string): InspectEndpoint[] {
    const names = new Map(this.members.map((m) => [m.id, m.name]));
    return this.directory.serviceEndpoints(project, service).map((e) => {
      const block = this.statuses.get(e.node)?.mesh?.block;
      return {
        node: names.get(e.node) ?? e.node,
        replica: e.replica,
        ...(block !== undefined ? { meshAddress: nodeAddress(block) } : {}),
        addresses: e.addresses,
        state: e.state,
        health: e.health,
        ready: e.ready,
      };
    });
  }

  /** Every live node, when ingress answers this published port of the service. */
  answersOn(project: string, service: string, published: number, protocol: string): PortAnswer[] | undefined {
    if (!this.ingress.has(ingressKey(project, service, published, protocol))) return undefined;
    return this.members
      .filter((m) => m.self || m.state === 'alive' || m.state === 'suspect')
      .map((m) => ({ node: m.name, address: hostOf(m.address) }))
      .sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  }

  hostAddress(node: string): string | undefined {
    const m = this.members.find((x) => x.name === node);
    return m ? hostOf(m.address) : undefined;
  }
}
