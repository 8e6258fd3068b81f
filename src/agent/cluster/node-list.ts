/** `fizz nodes`: every member this node knows, as the API lists them; and this node alone. */
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

/** The members of `node`'s cluster, this node first, then by name. */
export function nodeEntries(node: ClusterNode, nodeId: string): NodeEntry[] {
  const out: NodeEntry[] = node.swim.members().map((m) => ({
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
