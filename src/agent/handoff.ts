/**
 * Make-before-break. When a slot this node runs is placed on another node (a join, a
 * leave, a drain, a rebalance after a scale), this node keeps its container until the new
 * owner's status entry shows the replica running at the current spec (and healthy, where
 * the service has a healthcheck), or the new owner is gone from placement, or `timeoutMs`
 * passes. Moves caused by a death need none of this: the dead node runs nothing.
 *
 * Then it drains: for `drain.ms` more the container is kept but reported draining in this
 * node's status entry, so every node's mesh (this one's too) stops sending it new
 * connections through ingress and DNS before it stops; without that, the old owner's
 * published port refuses connections until its ingress rules follow, and other nodes keep
 * DNATing to an address that is gone. Pure.
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
  /** The drain after the release: when each slot was released (kept across passes; updated
   * here), and the slots draining now (filled here). */
  drain?: { ms: number; released: Map<string, number>; draining: Set<string> };
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
  const drain = input.drain;
  drain?.draining.clear();
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
    const held =
      drain?.released.has(key) !== true &&
      !runsThere(input.statuses.get(owner), d) &&
      input.now - first < input.timeoutMs;
    if (held) {
      keep.add(key);
      continue;
    }
    if (!drain || drain.ms <= 0) continue;
    const released = drain.released.get(key) ?? input.now;
    drain.released.set(key, released);
    if (input.now - released < drain.ms) {
      keep.add(key);
      drain.draining.add(key);
    }
  }
  for (const key of input.since.keys()) if (!moving.has(key)) input.since.delete(key);
  if (drain) for (const key of drain.released.keys()) if (!moving.has(key)) drain.released.delete(key);
  return keep;
}
