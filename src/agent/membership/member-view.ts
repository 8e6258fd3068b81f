/**
 * Pure translations from SWIM members to what the rest of the agent consumes: placement
 * members, and the libp2p addresses the state network should stay connected to.
 */
import type { Member, NodeMeta } from '../../../swim/index.js';
import type { PlacementMember } from '../../placement/types.js';
import { isPeerId, multiaddrOf } from './keys.js';

/** Metadata key under `addresses` that holds the node's libp2p multiaddr (ending in /p2p/<id>). */
export const LIBP2P_META_KEY = 'libp2p';

/** What a node gossips about itself. */
export function selfMeta(o: {
  multiaddr: string;
  version: string;
  labels?: Record<string, string> | undefined;
  capacity?: number | undefined;
  /** CPUs and memory bytes, for placement's reservations. */
  resources?: { cpus: number; memory: number } | undefined;
  displayName?: string | undefined;
}): NodeMeta {
  const capacity: Record<string, number> = { ...(o.resources ?? {}) };
  if (o.capacity !== undefined) capacity.weight = o.capacity;
  return {
    addresses: { [LIBP2P_META_KEY]: o.multiaddr },
    version: o.version,
    ...(o.displayName ? { name: o.displayName } : {}),
    ...(o.labels && Object.keys(o.labels).length > 0 ? { labels: o.labels } : {}),
    ...(Object.keys(capacity).length > 0 ? { capacity } : {}),
  };
}

/** The libp2p peer id a member advertises, if its metadata holds a well-formed one. */
export function peerIdOfMember(m: Pick<Member, 'meta'>): string | undefined {
  const ma = m.meta.addresses?.[LIBP2P_META_KEY];
  if (typeof ma !== 'string') return undefined;
  const id = /\/p2p\/([^/]+)$/.exec(ma)?.[1];
  return isPeerId(id) ? id : undefined;
}

/**
 * The multiaddr to dial a member at: its SWIM address (the one address it is reachable
 * at, as seen by SWIM) with the peer id it advertises. Null if either is missing.
 */
export function libp2pAddrOfMember(m: Pick<Member, 'address' | 'meta'>): string | null {
  const id = peerIdOfMember(m);
  return id === undefined ? null : multiaddrOf(m.address, id);
}

/** The addresses to hand to `ClusterNet.setPeers`: every alive or suspect member but us. */
export function desiredPeers(members: readonly Member[], selfName: string): string[] {
  const out = new Set<string>();
  for (const m of members) {
    if (m.name === selfName || (m.state !== 'alive' && m.state !== 'suspect')) continue;
    const a = libp2pAddrOfMember(m);
    if (a !== null) out.add(a);
  }
  return [...out].sort();
}

export function toPlacementMember(m: Member): PlacementMember {
  const weight = m.meta.capacity?.weight;
  return {
    id: m.name,
    name: typeof m.meta.name === 'string' && m.meta.name !== '' ? m.meta.name : m.name,
    status: m.state,
    labels: { ...(m.meta.labels ?? {}) },
    // 0 is kept: a drained node holds no slot (placement's isEligible).
    ...(weight !== undefined && weight >= 0 ? { capacity: weight } : {}),
    ...resourcesOf(m.meta.capacity),
  };
}

function resourcesOf(c: Record<string, number> | undefined): Pick<PlacementMember, 'resources'> {
  const cpus = c?.cpus;
  const memory = c?.memory;
  const r: NonNullable<PlacementMember['resources']> = {};
  if (typeof cpus === 'number' && cpus > 0) r.cpus = cpus;
  if (typeof memory === 'number' && memory > 0) r.memory = memory;
  return Object.keys(r).length > 0 ? { resources: r } : {};
}
