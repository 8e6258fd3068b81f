/**
 * Where a node's events come from, all of it data the node already holds:
 * - members: its SWIM view, compared with the last one (joined, suspect, alive, dead, left);
 * - replicas: the node status entries of the replicated state (its own and every other
 *   node's), compared entry by entry (started, healthy, unhealthy, stopped, removed), and
 *   the placement each pass computes (placed, moved);
 * - specs: the revisions `up` and `rollback` write (changed, by which node and command),
 *   removals and scale changes; rolling updates ending (rollouts.ts).
 * The first look at each source is the baseline: an agent that starts does not replay the
 * cluster's past as news.
 */
import type { ClusterState, NodeContainer } from '../../crdt/index.js';
import type { ProjectSpec } from '../compose/types.js';
import { historyOf } from '../reconcile/revisions.js';
import { LABELS } from '../runtime/types.js';
import type { EventLog } from './events.js';
import { heldOf } from './p2p-images/held.js';

export interface MemberSeen {
  id: string;
  name: string;
  state: string;
}

const MEMBER_ACTIONS: Record<string, string> = {
  alive: 'alive',
  suspect: 'suspect',
  dead: 'dead',
  left: 'left',
};

interface Snap {
  state: string;
  health: string;
  exitCode?: number;
}

export class EventSources {
  private members: Map<string, string> | undefined;
  private readonly containers = new Map<string, Map<string, Snap>>();
  private readonly revs = new Map<string, number>();
  private placed: Map<string, string> | undefined;
  /** Every name seen, so a dead or departed node (no longer a member) is still named. */
  private readonly seenNames = new Map<string, string>();
  /** Image ids each other node advertised last (its first list is a baseline, not news). */
  private readonly heldIds = new Map<string, Set<string>>();

  constructor(
    private readonly log: EventLog,
    private readonly state: ClusterState,
    /** Node id → name, for the `node` field. */
    private readonly names: () => Map<string, string>,
  ) {}

  /** Follows the replicated state; returns the unsubscribe. */
  start(): () => void {
    for (const [node, status] of this.state.nodeStatuses()) {
      this.containers.set(node, snapOf(status.containers));
      this.heldIds.set(node, new Set(heldOf(status).map((h) => h.id)));
    }
    for (const p of this.state.listProjects()) this.revisions(p, false);
    return this.state.on('change', (e) => {
      if (e.kind === 'node-status') this.nodeStatus(e.nodeId);
      else if (e.kind === 'project-put') this.revisions(e.project, true);
      else if (e.kind === 'project-removed') {
        this.log.add({ type: 'spec', action: 'removed', node: '', project: e.project });
        for (const k of this.revs.keys()) if (k.startsWith(`${e.project}/`)) this.revs.delete(k);
      } else if (e.kind === 'scale') {
        const n = this.state.getScale(e.project, e.service);
        this.log.add({
          type: 'spec',
          action: 'scaled',
          node: '',
          project: e.project,
          service: e.service,
          ...(n !== undefined ? { detail: `replicas ${n}` } : {}),
        });
      }
    });
  }

  private name(id: string): string {
    for (const [k, v] of this.names()) this.seenNames.set(k, v);
    return this.seenNames.get(id) ?? id;
  }

  /**
   * An engine event of a container this node made (create, start, die, kill, destroy,
   * health_status: …), as `docker compose events` shows them: type `container`, the
   * engine's own action name.
   */
  onEngine(ev: { containerId: string; action: string; labels: Record<string, string> }): void {
    // Replicas are numbered from 1 in events, as in container names (web-1); slots from 0.
    const replica = Number(ev.labels[LABELS.slot]) + 1;
    this.log.add({
      type: 'container',
      action: ev.action,
      node: this.name(ev.labels[LABELS.node] ?? ''),
      ...(ev.labels[LABELS.project] ? { project: ev.labels[LABELS.project] } : {}),
      ...(ev.labels[LABELS.service] ? { service: ev.labels[LABELS.service] } : {}),
      ...(Number.isInteger(replica) ? { replica } : {}),
      detail: ev.containerId.slice(0, 12),
    });
  }

  /** The member view after a membership change. */
  onMembers(members: MemberSeen[]): void {
    const next = new Map(members.map((m) => [m.id, m.state]));
    const before = this.members;
    this.members = next;
    if (!before) return;
    for (const m of members) {
      const was = before.get(m.id);
      if (was === m.state) continue;
      const action = was === undefined ? 'joined' : (MEMBER_ACTIONS[m.state] ?? m.state);
      this.log.add({ type: 'member', action, node: m.name, ...(was ? { detail: `was ${was}` } : {}) });
    }
  }

  /** The assignment a pass computed (slot key → node id). */
  onPlacement(assignment: Map<string, string>): void {
    const before = this.placed;
    this.placed = new Map(assignment);
    if (!before) return;
    for (const [slot, node] of assignment) {
      const was = before.get(slot);
      if (was === node) continue;
      const [project, service, replica] = slot.split('/');
      this.log.add({
        type: 'replica',
        action: was === undefined ? 'placed' : 'moved',
        node: this.name(node),
        ...(project ? { project } : {}),
        ...(service ? { service } : {}),
        replica: Number(replica) + 1,
        ...(was !== undefined ? { detail: `from ${this.name(was)}` } : {}),
      });
    }
  }

  /** An image came to this node's engine (from a peer, or a registry). */
  onImage(action: string, ref: string, detail?: string): void {
    this.log.add({
      type: 'image',
      action,
      node: this.name(this.state.nodeId),
      detail: detail ? `${ref} ${detail}` : ref,
    });
  }

  /** A rolling update that ended (completed, paused, failed). */
  onRollout(project: string, service: string, phase: string, reason?: string): void {
    this.log.add({
      type: 'update',
      action: phase,
      node: '',
      project,
      service,
      ...(reason ? { detail: reason } : {}),
    });
  }

  private nodeStatus(nodeId: string): void {
    const status = this.state.nodeStatuses().get(nodeId);
    const next = snapOf(status?.containers ?? []);
    const before = this.containers.get(nodeId) ?? new Map<string, Snap>();
    this.containers.set(nodeId, next);
    const node = this.name(nodeId);
    const event = (key: string, action: string, detail?: string) => {
      const [project, service, replica] = key.split('/');
      this.log.add({
        type: 'replica',
        action,
        node,
        ...(project ? { project } : {}),
        ...(service ? { service } : {}),
        replica: Number(replica) + 1,
        ...(detail ? { detail } : {}),
      });
    };
    for (const [key, s] of next) {
      const was = before.get(key);
      if (s.state === 'running' && was?.state !== 'running') event(key, 'started');
      if (s.state !== 'running' && was?.state === 'running')
        event(key, 'stopped', s.exitCode !== undefined ? `exit code ${s.exitCode}` : s.state);
      if (s.health !== was?.health && (s.health === 'healthy' || s.health === 'unhealthy'))
        event(key, s.health);
    }
    for (const key of before.keys()) if (!next.has(key)) event(key, 'removed');
    // Another node's new images (this node's own are told by the image step, with where from).
    if (nodeId === this.state.nodeId || !status) return;
    const held = heldOf(status);
    const seen = this.heldIds.get(nodeId);
    this.heldIds.set(nodeId, new Set(held.map((h) => h.id)));
    for (const h of held)
      if (seen && !seen.has(h.id))
        this.log.add({ type: 'image', action: 'added', node, detail: h.tags[0] ?? h.id.slice(0, 19) });
  }

  private revisions(project: string, announce: boolean): void {
    const spec = this.state.getProject(project) as ProjectSpec | undefined;
    if (!spec?.services) return;
    for (const service of Object.keys(spec.services)) {
      const key = `${project}/${service}`;
      const seen = this.revs.get(key) ?? 0;
      const newer = historyOf(spec, service).filter((r) => r.rev > seen);
      for (const r of newer) {
        this.revs.set(key, r.rev);
        if (!announce) continue;
        this.log.add({
          type: 'spec',
          action: r.command.startsWith('rollback') ? 'rolled-back' : 'changed',
          node: r.nodeName ?? this.name(r.node),
          project,
          service,
          detail: `revision ${r.rev} by fizz ${r.command}: ${r.changes.join(', ') || 'no change'}`,
        });
      }
    }
  }
}

/** A node's containers by `project/service/replica/id`. */
function snapOf(containers: NodeContainer[]): Map<string, Snap> {
  const out = new Map<string, Snap>();
  for (const c of containers) {
    const snap: Snap = { state: c.state, health: c.health ?? 'none' };
    if (c.exitCode !== undefined) snap.exitCode = c.exitCode;
    out.set(`${c.project}/${c.service}/${c.replica}/${c.id}`, snap);
  }
  return out;
}
