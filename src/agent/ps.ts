/**
 * `fizz ps`: this node's containers as the engine lists them, the other nodes' replicas from
 * their status entries, and the replicas no node can run, with placement's reason. Pure.
 */
import type { PortAnswer, PsEntry, PsResponse } from '../api/protocol.js';
import { type ContainerInfo, LABELS } from '../runtime/types.js';
import { replicaOf } from './container-ops.js';

const SHOWN = new Set(['running', 'restarting', 'paused']);

export interface PsInput {
  local: ContainerInfo[];
  remote: PsEntry[];
  /** This node's name, in a cluster (the NODE column). */
  node: string | undefined;
  unplaced: Array<{ slot: string; reason: string }>;
  /** Restarts by container id (PsEntry.restarts), for this node's containers. */
  restarts?: ReadonlyMap<string, number>;
  project: string | undefined;
  all: boolean;
  /** Where the mesh's ingress answers a published port on every node, if it does (mesh.ts). */
  answersOn?: (
    project: string,
    service: string,
    published: number,
    protocol: string,
  ) => PortAnswer[] | undefined;
}

/** The entry with `answersOn` on each published port that ingress answers on every node. */
function withIngress(e: PsEntry, answersOn: NonNullable<PsInput['answersOn']>): PsEntry {
  return {
    ...e,
    ports: e.ports.map((p) => {
      const on =
        p.published === undefined ? undefined : answersOn(e.project, e.service, p.published, p.protocol);
      return on ? { ...p, answersOn: on } : p;
    }),
  };
}

function localEntry(c: ContainerInfo, node: string | undefined, restarts?: number): PsEntry {
  const e: PsEntry = {
    project: c.labels[LABELS.project] ?? '',
    service: c.labels[LABELS.service] ?? '',
    replica: replicaOf(c),
    name: c.name,
    id: c.id,
    image: c.image,
    state: c.state,
    health: c.health,
    ports: c.ports,
    createdAt: c.createdAt,
  };
  if (c.exitCode !== undefined) e.exitCode = c.exitCode;
  if (c.startedAt !== undefined) e.startedAt = c.startedAt;
  if (c.command !== undefined) e.command = c.command;
  if (c.status !== undefined) e.status = c.status;
  if (node !== undefined) e.node = node;
  if (restarts !== undefined) e.restarts = restarts;
  return e;
}

export function psResponse(i: PsInput): PsResponse {
  const entries = i.local
    .filter((c) => i.all || SHOWN.has(c.state))
    .map((c) => localEntry(c, i.node, i.restarts?.get(c.id)))
    .concat(i.remote)
    .map((e) => (i.answersOn ? withIngress(e, i.answersOn) : e))
    .sort((a, b) =>
      a.project !== b.project
        ? a.project.localeCompare(b.project)
        : a.service !== b.service
          ? a.service.localeCompare(b.service)
          : a.replica - b.replica || (a.node ?? '').localeCompare(b.node ?? ''),
    );
  const pending = i.unplaced.flatMap((u) => {
    const [p, service, replica] = u.slot.split('/');
    return (i.project === undefined || p === i.project) && service !== undefined
      ? [{ service, replica: Number(replica), reason: u.reason }]
      : [];
  });
  return pending.length > 0 ? { containers: entries, pending } : { containers: entries };
}
