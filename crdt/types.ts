/**
 * Plain-data types of the cluster state: what the typed change events carry and what a
 * node reports about itself. crdt/ stores project specs as opaque JSON (it may not import
 * src/), so the agent casts them back to its ProjectSpec.
 */

/** A last-writer-wins timestamp: milliseconds (from the injected clock, bumped to stay
 * ahead of everything this replica has seen) and the writer's node id as tie-break. */
export interface Stamp {
  at: number;
  node: string;
}

/** One container as a node reports it in its status entry. */
export interface NodeContainer {
  id: string;
  project: string;
  service: string;
  replica: number;
  state: string;
  health?: string;
  specHash?: string;
  /** What `fizz ps` on another node shows of it. */
  name?: string;
  image?: string;
  /** ms since the epoch */
  createdAt?: number;
  startedAt?: number;
  exitCode?: number;
  command?: string;
  ports?: Array<{ target: number; published?: number; protocol: string; hostIp?: string }>;
  /** Engine network name → the container's IPv4 address there (mesh service discovery). */
  addresses?: Record<string, string>;
  /** Handed off to another node and about to stop: no new connections (src/agent/handoff.ts). */
  draining?: boolean;
}

/** What a node says about itself; only that node writes its entry. */
export interface NodeStatus {
  containers: NodeContainer[];
  /** Image references the node holds locally. */
  images: string[];
  /** ms since the epoch, from the writer's clock. */
  updatedAt: number;
  /** The node's end of the encrypted mesh, when it runs one (src/agent/mesh/). */
  mesh?: MeshInfo;
  /** The images its engine holds, bounded (src/agent/p2p-images/held.ts), so peers can fetch
   * them from it. Unchecked by crdt/: readers validate. */
  held?: HeldImage[];
  /** Replicas it owns but cannot make yet for want of their image, with why (slot key
   * `project/service/index`). Unchecked by crdt/: readers validate. */
  waiting?: Array<{ slot: string; reason: string }>;
  /** Replicas of a rolling update that failed on this node (every node reads them to pause
   * or roll back the same update; src/agent/rollouts.ts). Unchecked by crdt/: readers validate. */
  rollouts?: Array<{
    project: string;
    service: string;
    id: string;
    failed: Array<{ replica: number; reason: string }>;
  }>;
}

/** One image a node holds: its id, names and layers (the config's rootfs diff ids, in order). */
export interface HeldImage {
  id: string;
  tags: string[];
  layers: string[];
}

export interface MeshInfo {
  /** WireGuard public key, base64. */
  key: string;
  /** UDP port WireGuard listens on, at the node's cluster address. */
  port: number;
  /** The node's /18 of the mesh pool (src/agent/mesh/addressing.ts). */
  block: number;
}

/** What changed, as observed after a transaction (`local` is true for this replica's own writes). */
export type StateChange =
  | { kind: 'project-put'; project: string; local: boolean }
  | { kind: 'project-removed'; project: string; local: boolean }
  | { kind: 'scale'; project: string; service: string; local: boolean }
  | { kind: 'stopped'; project: string; service: string; local: boolean }
  | { kind: 'secret'; project: string; name: string; local: boolean }
  | { kind: 'node-status'; nodeId: string; local: boolean };

export interface ClusterStateEvents {
  change: (e: StateChange) => void;
}

export interface ClusterStateOptions {
  /** This replica's node id (the libp2p peer id in a real node). */
  nodeId: string;
  /** Milliseconds; handed in so simulations replay. */
  clock: () => number;
  /** Receives what a `change` listener throws. Without it the first such error is thrown,
   * as a ListenerError, from the call that made the change, after every listener ran. */
  onListenerError?: (err: unknown, change: StateChange) => void;
  /** How long the previous epoch's document is kept for late changes (ms; default
   * RETAIN_PREVIOUS_MS, epoch.ts). */
  epochRetainMs?: number;
}
