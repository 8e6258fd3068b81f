/**
 * `depends_on` across nodes: a dependency that runs on another node holds when that node's
 * status entry says so (running; healthy; exited 0), whichever node it is on.
 */
import type { ClusterState, NodeStatus } from '../../crdt/index.js';
import type { PlacementMember } from '../placement/types.js';
import type { Clock } from './clock.js';

/** Whether some other node's status shows `project/service` meeting `condition`. */
export function dependencyHoldsElsewhere(
  statuses: Map<string, NodeStatus>,
  nodes: Set<string>,
  project: string,
  service: string,
  condition: string,
): boolean {
  for (const [id, status] of statuses) {
    if (!nodes.has(id)) continue;
    for (const c of status.containers) {
      if (c.project !== project || c.service !== service) continue;
      if (condition === 'service_healthy' ? c.health === 'healthy' && c.state === 'running' : false)
        return true;
      if (condition === 'service_completed_successfully' && c.state === 'exited' && c.exitCode === 0)
        return true;
      if (condition === 'service_started' && (c.state === 'running' || c.state === 'exited')) return true;
    }
  }
  return false;
}

/** Polls `holds` until it is true; rejects after `timeoutMs` or when `signal` aborts. */
export async function waitUntil(
  holds: () => boolean,
  clock: Clock,
  timeoutMs: number,
  signal: AbortSignal,
  pollMs = 250,
): Promise<void> {
  const deadline = clock.now() + timeoutMs;
  while (!holds()) {
    if (signal.aborted) throw new Error('the agent is stopping');
    if (clock.now() >= deadline) throw new Error('no node runs it (waited for its status)');
    await clock.sleep(pollMs, signal);
  }
}

/**
 * A pass's wait for a dependency that runs elsewhere: until a member other than `nodeId`
 * (alive or suspect) reports it meeting its condition. Undefined when no other member is up.
 */
export function remoteDependencyWait(o: {
  members: PlacementMember[];
  nodeId: string;
  state: ClusterState;
  clock: Clock;
  timeoutMs: number;
}):
  | ((project: string, service: string, condition: string, signal: AbortSignal) => Promise<void>)
  | undefined {
  const others = new Set(
    o.members
      .filter((m) => m.status === 'alive' || m.status === 'suspect')
      .map((m) => m.id)
      .filter((id) => id !== o.nodeId),
  );
  if (others.size === 0) return undefined;
  return (project, service, condition, signal) =>
    waitUntil(
      () => dependencyHoldsElsewhere(o.state.nodeStatuses(), others, project, service, condition),
      o.clock,
      o.timeoutMs,
      signal,
    );
}
