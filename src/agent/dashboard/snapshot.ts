/**
 * What the dashboard shows at one moment, built from what the agent already answers with:
 * `fizz nodes` (members, their state and capacity), `fizz ps -a` (every replica and where it
 * runs), the desired replica counts of the state and placement's unplaced slots. Pure.
 */
import type { NodesResponse } from '../../api/cluster-api.js';
import type { PsEntry } from '../../api/protocol.js';

export interface DashboardNode {
  name: string;
  address: string;
  state: string;
  /** Placement's weight (0: drained). */
  capacity: number;
  /** Replicas running there, as this node sees them. */
  replicas: number;
  labels: Record<string, string>;
  version: string;
  self: boolean;
}

export interface DashboardReplica {
  replica: number;
  node: string;
  name: string;
  state: string;
  health: string;
  image: string;
  startedAt?: number;
  exitCode?: number;
}

export interface DashboardService {
  project: string;
  service: string;
  /** Replicas the state asks for (scale override included); 0 when stopped. */
  desired: number;
  stopped: boolean;
  replicas: DashboardReplica[];
  /** Slots no node can run, with placement's reason. */
  pending: Array<{ replica: number; reason: string }>;
}

export interface DashboardSnapshot {
  /** This node's name. */
  self: string;
  clustered: boolean;
  majority: boolean;
  nodes: DashboardNode[];
  services: DashboardService[];
  /** Why part of the picture is missing (the engine does not answer, …). */
  errors: string[];
}

export interface SnapshotInput {
  nodes: NodesResponse;
  /** `fizz ps -a` rows: this node's containers and the other visible nodes'. */
  containers: PsEntry[];
  /** Per project, per service: desired replicas and whether stopped. */
  desired: Array<{ project: string; service: string; replicas: number; stopped: boolean }>;
  /** Placement's unplaced slots (`project/service/replica`). */
  unplaced: Array<{ slot: string; reason: string }>;
  errors: string[];
}

const key = (project: string, service: string) => `${project}/${service}`;

export function buildSnapshot(i: SnapshotInput): DashboardSnapshot {
  const self = i.nodes.nodes.find((n) => n.self)?.name ?? '';
  const services = new Map<string, DashboardService>();
  const service = (project: string, name: string) => {
    let s = services.get(key(project, name));
    if (!s) {
      s = { project, service: name, desired: 0, stopped: false, replicas: [], pending: [] };
      services.set(key(project, name), s);
    }
    return s;
  };
  for (const d of i.desired) {
    const s = service(d.project, d.service);
    s.desired = d.stopped ? 0 : d.replicas;
    s.stopped = d.stopped;
  }
  const running = new Map<string, number>();
  for (const c of i.containers) {
    // Rows of this node carry no node name outside a cluster.
    const node = c.node ?? self;
    const r: DashboardReplica = {
      replica: c.replica,
      node,
      name: c.name,
      state: c.state,
      health: c.health,
      image: c.image,
    };
    if (c.startedAt !== undefined) r.startedAt = c.startedAt;
    if (c.exitCode !== undefined) r.exitCode = c.exitCode;
    service(c.project, c.service).replicas.push(r);
    if (c.state === 'running') running.set(node, (running.get(node) ?? 0) + 1);
  }
  for (const u of i.unplaced) {
    const [project, name, replica] = u.slot.split('/');
    if (project === undefined || name === undefined) continue;
    service(project, name).pending.push({ replica: Number(replica), reason: u.reason });
  }
  for (const s of services.values()) {
    s.replicas.sort((a, b) => a.replica - b.replica || a.node.localeCompare(b.node));
    s.pending.sort((a, b) => a.replica - b.replica);
  }
  return {
    self,
    clustered: i.nodes.clustered,
    majority: i.nodes.majority,
    nodes: i.nodes.nodes.map((n) => ({
      name: n.name,
      address: n.address,
      state: n.state,
      capacity: n.capacity,
      replicas: running.get(n.name) ?? 0,
      labels: n.labels,
      version: n.version,
      self: n.self,
    })),
    services: [...services.values()].sort(
      (a, b) => a.project.localeCompare(b.project) || a.service.localeCompare(b.service),
    ),
    errors: i.errors,
  };
}
