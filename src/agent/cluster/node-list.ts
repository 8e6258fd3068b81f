/** `fizz nodes`: every member this node knows, as the API lists them; and this node alone. */
import type { ClusterState } from '../../../crdt/index.js';
import type { PlacementMember } from '../../placement/types.js';
import type { ClusterNode } from '../membership/cluster-node.js';
import { defaultNodeName } from './config.js';

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

/** The members of `node`'s cluster but the `removed` (`fizz node rm`), this node first, then by name. */
export function nodeEntries(node: ClusterNode, nodeId: string, removed: ReadonlySet<string>): NodeEntry[] {
  const members = node.swim.members().filter((m) => m.name === nodeId || !removed.has(m.name));
  const out: NodeEntry[] = members.map((m) => ({
    id: m.name,
    name: typeof m.meta.name === 'string' && m.meta.name ? m.meta.name : m.name,
    address: m.address,
    state: m.state,
    labels: { ...(m.meta.labels ?? {}) },
    capacity: m.meta.capacity?.weight ?? 1,
    version: m.meta.version ?? '',
    self: m.name === nodeId,
    incarnation: m.incarnation,
    ...(m.name === nodeId ? { dropped: { ...node.swim.stats.dropped } } : {}),
  }));
  return out.sort((a, b) => Number(b.self) - Number(a.self) || a.name.localeCompare(b.name));
}

/**
 * A removed node that still runs writes its status entry again (it does not know it was
 * removed): every member drops it again, so `fizz ps`, hand-offs and the dashboard never
 * count its replicas.
 */
export function dropRemovedStatuses(state: ClusterState, removed: string[], nodeId: string): void {
  for (const id of removed) if (id !== nodeId && state.nodeStatuses().has(id)) state.removeNodeStatus(id);
}

/** This node outside a cluster: alone, by choice. */
export function soloEntry(nodeId: string): NodeEntry {
  return {
    id: nodeId,
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

/** This node as the one member placement runs over outside a cluster. */
export function soloMember(nodeId: string): PlacementMember {
  return { id: nodeId, name: defaultNodeName(), status: 'alive', labels: {} };
}
