/**
 * `fizz inspect SERVICE`: a service's replicas wherever they run (node, mesh address,
 * container addresses, health) and where each of its published ports answers. Pure: the
 * agent hands in the replicas (the mesh's view in a cluster, else this node's containers)
 * and what the mesh routes.
 */
import type { InspectEndpoint, InspectPort, InspectResponse, PortAnswer } from '../api/protocol.js';
import type { ServiceSpec } from '../compose/types.js';
import { type ContainerInfo, LABELS } from '../runtime/types.js';
import { replicaOf } from './container-ops.js';
import { isReady } from './mesh/directory.js';

/** What the mesh knows that `fizz inspect` and `fizz ps` show (mesh.ts implements it). */
export interface ServiceNetView {
  /** The service's replicas anywhere; undefined when the mesh is not up (not in a cluster). */
  endpoints(project: string, service: string): InspectEndpoint[] | undefined;
  /** Every live node, when the mesh's ingress answers this published port; else undefined. */
  answersOn(project: string, service: string, published: number, protocol: string): PortAnswer[] | undefined;
  /** A node's host address (what a client connects to), by node name. */
  hostAddress(node: string): string | undefined;
}

/** The node name `fizz inspect` gives replicas outside a cluster. */
export const LOCAL_NODE = 'local';

/** This node's containers of a service as endpoints (outside a cluster, or before the mesh is up). */
export function localEndpoints(
  containers: ContainerInfo[],
  service: string,
  node: string,
): InspectEndpoint[] {
  return containers
    .filter((c) => c.labels[LABELS.service] === service)
    .map((c) => ({
      node,
      replica: replicaOf(c),
      addresses: { ...(c.addresses ?? {}) },
      state: c.state,
      health: c.health,
      ready: isReady(c.state, c.health),
    }))
    .sort((a, b) => a.replica - b.replica);
}

export interface InspectInput {
  project: string;
  service: string;
  spec: ServiceSpec;
  endpoints: InspectEndpoint[];
  net: Pick<ServiceNetView, 'answersOn' | 'hostAddress'> | undefined;
}

export function inspectService(i: InspectInput): InspectResponse {
  const ports: InspectPort[] = [];
  for (const p of i.spec.ports ?? []) {
    const published = Number(p.published);
    if (!Number.isInteger(published) || published <= 0) continue;
    const protocol = p.protocol ?? 'tcp';
    const everywhere = i.net?.answersOn(i.project, i.service, published, protocol);
    // Without the mesh's ingress, the port answers where a replica runs: the engine's mapping.
    const nodes = [...new Set(i.endpoints.filter((e) => e.state === 'running').map((e) => e.node))];
    const answersOn =
      everywhere ??
      nodes.map((node) => ({ node, address: i.net?.hostAddress(node) ?? p.host_ip ?? '0.0.0.0' }));
    ports.push({ target: p.target, published, protocol, everywhere: everywhere !== undefined, answersOn });
  }
  return { project: i.project, service: i.service, endpoints: i.endpoints, ports };
}
