/**
 * Make-before-break. When a slot this node runs is placed on another node (a join, a
 * leave, a drain, a rebalance after a scale), this node keeps its container until the new
 * owner's status entry shows the replica running at the current spec (and healthy, where
 * the service has a healthcheck), or the new owner is gone from placement, or `timeoutMs`
 * passes. Moves caused by a death need none of this: the dead node runs nothing. Pure.
 */
import type { NodeStatus } from '../../crdt/index.js';
import type { DesiredSlot } from '../reconcile/types.js';
import { type ContainerInfo, LABELS, slotKey } from '../runtime/types.js';

export interface HandoffInput {
  nodeId: string;
  /** This node's containers. */
  actual: ContainerInfo[];
  /** Every desired slot, by slot key. */
  desired: Map<string, DesiredSlot>;
  /** slot key → node id. */
  assignment: Map<string, string>;
  statuses: Map<string, NodeStatus>;
  /** When each slot was first seen moving away (kept across passes; updated here). */
  since: Map<string, number>;
  now: number;
  timeoutMs: number;
}

export function hasHealthcheck(d: DesiredSlot): boolean {
  const hc = d.spec.healthcheck as { disable?: boolean; test?: unknown } | undefined;
  if (!hc || hc.disable) return false;
  return !(Array.isArray(hc.test) && hc.test[0] === 'NONE');
}

/** Whether `owner` reports the slot running at its current spec (and healthy where checked). */
export function runsThere(status: NodeStatus | undefined, d: DesiredSlot): boolean {
  if (!status) return false;
  const { project, service, replica } = d.slot;
  return status.containers.some(
    (c) =>
      c.project === project &&
      c.service === service &&
      c.replica === replica &&
      c.state === 'running' &&
      c.specHash === d.specHash &&
      (!hasHealthcheck(d) || c.health === 'healthy'),
  );
}

/** The slot keys whose container this node keeps though another node now owns them. */
export function keptForHandoff(input: HandoffInput): Set<string> {
  const keep = new Set<string>();
  const moving = new Set<string>();
  for (const c of input.actual) {
    if (c.labels[LABELS.node] !== input.nodeId || c.state !== 'running') continue;
    const project = c.labels[LABELS.project];
    const service = c.labels[LABELS.service];
    const replica = Number(c.labels[LABELS.slot]);
    if (!project || !service || !Number.isInteger(replica)) continue;
    const key = slotKey({ project, service, replica });
    const d = input.desired.get(key);
    const owner = input.assignment.get(key);
    if (!d || owner === undefined || owner === input.nodeId) continue;
    moving.add(key);
    const first = input.since.get(key) ?? input.now;
    input.since.set(key, first);
    if (runsThere(input.statuses.get(owner), d)) continue;
    if (input.now - first >= input.timeoutMs) continue;
    keep.add(key);
  }
  for (const key of input.since.keys()) if (!moving.has(key)) input.since.delete(key);
  return keep;
}
