/**
 * A node's status entry in the cluster state: the containers it runs, as every other node
 * reads them (`fizz ps` from any node, make-before-break's "the new owner runs it"). Only
 * what does not change by itself over time is written (no "Up 5 minutes"), so an entry is
 * rewritten only when a container changes.
 */
import type { NodeContainer } from '../../crdt/index.js';
import type { PsEntry } from '../api/protocol.js';
import {
  type ContainerInfo,
  type ContainerState,
  type HealthState,
  LABELS,
  slotKey,
} from '../runtime/types.js';

/**
 * This node's containers as its status entry lists them, sorted by id; those of the slot
 * keys in `draining` (handed off, stopping soon) marked so.
 */
export function statusContainers(
  containers: ContainerInfo[],
  nodeId: string,
  draining: ReadonlySet<string> = new Set(),
): NodeContainer[] {
  const list: NodeContainer[] = [];
  for (const c of containers) {
    // A one-off (`fizz run`) is no replica: another node must not take it for one.
    if (c.labels[LABELS.node] !== nodeId || c.labels[LABELS.oneoff] !== undefined) continue;
    const entry: NodeContainer = {
      id: c.id,
      project: c.labels[LABELS.project] ?? '',
      service: c.labels[LABELS.service] ?? '',
      replica: Number(c.labels[LABELS.slot] ?? 0),
      state: c.state,
      health: c.health,
      name: c.name,
      image: c.image,
      createdAt: c.createdAt,
      ports: c.ports.map((p) => ({ ...p })),
    };
    const hash = c.labels[LABELS.specHash];
    if (hash) entry.specHash = hash;
    if (c.startedAt !== undefined) entry.startedAt = c.startedAt;
    if (c.exitCode !== undefined) entry.exitCode = c.exitCode;
    if (c.command !== undefined) entry.command = c.command;
    if (c.addresses !== undefined) entry.addresses = { ...c.addresses };
    if (draining.has(slotKey(entry))) entry.draining = true;
    list.push(entry);
  }
  return list.sort((a, b) => (a.id < b.id ? -1 : 1));
}

/** A `fizz ps` row from another node's status entry. */
export function psEntryOf(c: NodeContainer, node: string): PsEntry {
  const e: PsEntry = {
    project: c.project,
    service: c.service,
    replica: c.replica,
    name: c.name ?? c.id.slice(0, 12),
    id: c.id,
    image: c.image ?? '',
    state: c.state as ContainerState,
    health: (c.health ?? 'none') as HealthState,
    ports: Array.isArray(c.ports) ? (c.ports as PsEntry['ports']) : [],
    createdAt: c.createdAt ?? 0,
    node,
  };
  if (c.startedAt !== undefined) e.startedAt = c.startedAt;
  if (c.exitCode !== undefined) e.exitCode = c.exitCode;
  if (c.command !== undefined) e.command = c.command;
  return e;
}
