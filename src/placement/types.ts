/** Inputs and output of placement: plain data, the same on every node. */
import type { SlotRef } from '../runtime/types.js';

/** One replica to place, with the service's placement rules. */
export interface PlacementSlot extends SlotRef {
  /** `deploy.placement.constraints`, e.g. `node.labels.disk==ssd`, `node.name!=edge-1`. */
  constraints?: string[];
  /** `deploy.placement.max_replicas_per_node`. */
  maxPerNode?: number;
  /** Why `maxPerNode` is 1 when a host resource sets it (a fixed published port). */
  maxPerNodeWhy?: string;
  /** Relative cost of this replica for load bounding (default 1). */
  weight?: number;
  /** `deploy.resources.reservations`: what one replica needs free on its node. */
  reserve?: Resources;
  /** Only this node (id) may run it, for this reason (a host path or a volume lives there). */
  pinned?: { node: string; reason: string };
  /** Runs on the node of this other slot (key), for this reason (`network_mode: service:x`); see follow.ts. */
  follows?: { slot: string; why: string };
}

/** CPUs (cores) and memory (bytes). */
export interface Resources {
  cpus?: number;
  memory?: number;
}

export type MemberStatus = 'alive' | 'suspect' | 'dead' | 'left';

/** A node as the membership layer sees it. */
export interface PlacementMember {
  id: string;
  name: string;
  status: MemberStatus;
  labels: Record<string, string>;
  /** Relative capacity (default 1): a node of capacity 2 takes about twice the slots. */
  capacity?: number;
  /** What the node has for reservations; a resource it does not advertise is unlimited. */
  resources?: Resources;
}

export interface PlacementOptions {
  /** Bounded-loads factor c: no node takes more than ceil(c · average load · capacity share). Default 1.25. */
  loadFactor?: number;
}

export interface PlacementResult {
  /** slotKey → node id */
  assignment: Map<string, string>;
  /** Slots no eligible node could take, with the reason. */
  unplaced: Array<{ slot: string; reason: string }>;
}
