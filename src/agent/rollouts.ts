/**
 * Rolling updates on this node. Every pass, for each service whose spec carries an
 * unfinished rollout (written by the `up` or `rollback` that changed it, revisions.ts), the
 * node works out where the rollout stands from the replicated state alone (rollout.ts):
 * which replicas run the new spec on any live node, which ones a node reported failed. Then
 * it changes only its own slots: a slot whose wave is not released keeps the revision its
 * container runs; a released one goes to the new spec, start-first (a second container
 * beside the old one) or stop-first as configured. The new replicas that fail here are
 * reported in this node's status entry, which every node reads; a node that saw a failure
 * rolls the service back when failure_action says so. Nobody coordinates.
 */
import type { ClusterState, NodeContainer, NodeStatus } from '../../crdt/index.js';
import type { ProjectSpec } from '../compose/types.js';
import { publishesFixedPort } from '../placement/slots.js';
import { historyOf, type Rollout, rolledBack, rolloutOf, serviceHash } from '../reconcile/revisions.js';
import { type RolloutView, rolloutView } from '../reconcile/rollout.js';
import type { DesiredSlot } from '../reconcile/types.js';
import { type ContainerInfo, LABELS, slotKey } from '../runtime/types.js';
import type { Clock } from './clock.js';
import { hasHealthcheck } from './handoff.js';
import type { Logger } from './logger.js';

export interface RolloutsOptions {
  nodeId: string;
  state: ClusterState;
  clock: Clock;
  logger: Logger;
  nodeName?: () => string | undefined;
  /** Resolves once every change made to the state so far is on disk. */
  flush: () => Promise<void>;
  /** A rollout this node sees end, pause or fail (events). */
  onPhase?: (project: string, service: string, phase: string, reason?: string) => void;
}

export interface ShapeInput {
  specs: Map<string, ProjectSpec>;
  /** The slots this node owns, as the current specs want them. */
  owned: DesiredSlot[];
  /** Every desired slot (the service's replica count). */
  all: DesiredSlot[];
  /** This node's containers. */
  actual: ContainerInfo[];
  /** Node ids placement may use and that are up (their status entries count as seen). */
  live: Set<string>;
  /** Slot keys no node can take. */
  unplaced: Set<string>;
}

export interface Shaped {
  owned: DesiredSlot[];
  startFirst: Set<string>;
  keepTwins: Set<string>;
}

type ReportEntry = NonNullable<NodeStatus['rollouts']>[number];

const BAD_STATES = new Set(['exited', 'dead', 'restarting']);

/** A rollout as one node last saw it: what `fizz history` and a waiting `up` show. */
export interface SeenRollout {
  rollout: Rollout;
  view: RolloutView;
}

export class Rollouts {
  /** Failures of this node's new replicas, by rollout id. */
  private readonly failed = new Map<
    string,
    { project: string; service: string; replicas: Map<number, string> }
  >();
  /** Rollouts this node saw completed: they never go back to rolling here. */
  private readonly completed = new Set<string>();
  /** Rollouts this node already rolled back. */
  private readonly acted = new Set<string>();
  /** `project/service` → the rollout as the last pass saw it. */
  readonly seen = new Map<string, SeenRollout>();
  /**
   * When this node first saw each new container ready, by rollout: the engine's container
   * list (and so every status entry) carries no start time, and a wave's delay counts from
   * there. Observed here, so each node's clock measures it; a restarted agent waits it again.
   */
  private readonly readySeen = new Map<string, Map<string, number>>();

  constructor(private readonly o: RolloutsOptions) {}

  /** Whether some rollout is under way (other nodes' status changes then matter at once). */
  active(): boolean {
    return [...this.seen.values()].some((s) => s.view.phase === 'rolling');
  }

  /** The owned slots as the rollouts want them, plus the planner's start-first inputs. */
  shape(input: ShapeInput): Shaped {
    const now = this.o.clock.now();
    const statuses = this.o.state.nodeStatuses();
    const out: Shaped = { owned: input.owned, startFirst: new Set(), keepTwins: new Set() };
    const ids = new Set<string>();
    for (const [project, spec] of input.specs) {
      for (const service of Object.keys(spec.services)) {
        const rollout = rolloutOf(spec, service);
        if (!rollout) continue;
        ids.add(rollout.id);
        const svcKey = `${project}/${service}`;
        const slots = input.all.filter((d) => d.slot.project === project && d.slot.service === service);
        const target = slots[0];
        if (!target) continue;
        if (this.completed.has(rollout.id)) {
          this.seen.set(svcKey, { rollout, view: doneView(slots.length) });
          continue;
        }
        const mine = input.actual.filter(
          (c) => c.labels[LABELS.project] === project && c.labels[LABELS.service] === service,
        );
        this.noteBad(rollout, mine, target);
        const view = rolloutView({
          rollout,
          replicas: slots.map((d) => d.slot.replica),
          ready: this.ready(rollout.id, statuses, input.live, mine, target),
          failed: this.failures(statuses, rollout),
          exempt: new Set(
            slots.filter((d) => !d.running || input.unplaced.has(slotKey(d.slot))).map((d) => d.slot.replica),
          ),
          now,
        });
        const before = this.seen.get(svcKey);
        if (before?.rollout.id !== rollout.id || before.view.phase !== view.phase) {
          this.o.logger.info(
            { project, service, rollout: rollout.id, phase: view.phase, reason: view.reason },
            'rollout',
          );
          if (view.phase !== 'rolling') this.o.onPhase?.(project, service, view.phase, view.reason);
        }
        this.seen.set(svcKey, { rollout, view });
        if (view.phase === 'completed') {
          this.completed.add(rollout.id);
          continue;
        }
        out.owned = out.owned.map((d) =>
          d.slot.project === project && d.slot.service === service
            ? this.slotFor(d, spec, rollout, view, mine, out)
            : d,
        );
      }
    }
    for (const id of this.failed.keys()) if (!ids.has(id)) this.failed.delete(id);
    for (const id of this.readySeen.keys())
      if (!ids.has(id) || this.completed.has(id)) this.readySeen.delete(id);
    return out;
  }

  /** One owned slot under a rollout: the revision its container runs until its wave goes. */
  private slotFor(
    d: DesiredSlot,
    spec: ProjectSpec,
    rollout: Rollout,
    view: RolloutView,
    mine: ContainerInfo[],
    out: Shaped,
  ): DesiredSlot {
    const here = mine.filter((c) => Number(c.labels[LABELS.slot]) === d.slot.replica);
    const atTarget = here.find((c) => c.labels[LABELS.specHash] === d.specHash);
    if (view.released.has(d.slot.replica) || atTarget || here.length === 0) {
      const old = here.find((c) => c.labels[LABELS.specHash] !== d.specHash && c.state === 'running');
      const startFirst = rollout.config.order === 'start-first' && !publishesFixedPort(d.spec);
      if (!startFirst || (!old && !atTarget)) return d;
      out.startFirst.add(slotKey(d.slot));
      // The old container goes once the new one is ready; until then both run.
      const ready =
        atTarget && atTarget.state === 'running' && (!hasHealthcheck(d) || atTarget.health === 'healthy');
      if (!ready) for (const c of here) if (c !== atTarget) out.keepTwins.add(c.id);
      // Two containers of one slot need two names: the new one takes the name the old lacks.
      const taken = new Set(here.filter((c) => c !== atTarget).map((c) => c.name));
      return taken.has(d.name) ? { ...d, name: `${d.name}-${d.specHash.slice(0, 8)}` } : d;
    }
    // Not released: keep the revision the container runs, if the history knows it.
    const hash = here[0]!.labels[LABELS.specHash];
    const rev = historyOf(spec, d.slot.service).find((r) => serviceHash(spec, r.spec) === hash);
    return rev && hash ? { ...d, spec: rev.spec, specHash: hash } : d;
  }

  /** Replicas seen running (healthy where checked) at the new spec, with since when (this node saw it so). */
  private ready(
    id: string,
    statuses: Map<string, NodeStatus>,
    live: Set<string>,
    mine: ContainerInfo[],
    target: DesiredSlot,
  ): Map<number, number> {
    const out = new Map<number, number>();
    const checked = hasHealthcheck(target);
    const seen = this.readySeen.get(id) ?? new Map<string, number>();
    this.readySeen.set(id, seen);
    const now = this.o.clock.now();
    const take = (replica: number, c: Pick<NodeContainer, 'id' | 'state' | 'health'>) => {
      if (c.state !== 'running' || (checked && c.health !== 'healthy')) return;
      const since = seen.get(c.id) ?? now;
      seen.set(c.id, since);
      out.set(replica, Math.min(since, out.get(replica) ?? since));
    };
    for (const [node, status] of statuses) {
      if (!live.has(node) || node === this.o.nodeId) continue;
      for (const c of status.containers)
        if (
          c.project === target.slot.project &&
          c.service === target.slot.service &&
          c.specHash === target.specHash
        )
          take(c.replica, c);
    }
    for (const c of mine)
      if (c.labels[LABELS.specHash] === target.specHash) take(Number(c.labels[LABELS.slot]), c);
    return out;
  }

  /** Failures every node reported for the rollout (a dead node's report still counts). */
  private failures(statuses: Map<string, NodeStatus>, rollout: Rollout): Map<number, string> {
    const out = new Map<number, string>();
    for (const [node, status] of statuses) {
      if (node === this.o.nodeId || !Array.isArray(status.rollouts)) continue;
      for (const r of status.rollouts) {
        if (r?.id !== rollout.id || !Array.isArray(r.failed)) continue;
        for (const f of r.failed)
          if (Number.isInteger(f?.replica) && typeof f.reason === 'string') out.set(f.replica, f.reason);
      }
    }
    for (const [replica, reason] of this.failed.get(rollout.id)?.replicas ?? []) out.set(replica, reason);
    return out;
  }

  /** A new replica of this node that ended, died or turned unhealthy fails the rollout. */
  private noteBad(rollout: Rollout, mine: ContainerInfo[], target: DesiredSlot): void {
    for (const c of mine) {
      if (c.labels[LABELS.specHash] !== target.specHash) continue;
      const why = BAD_STATES.has(c.state)
        ? c.state === 'restarting'
          ? 'keeps restarting'
          : `exited with code ${c.exitCode ?? '?'}`
        : c.health === 'unhealthy'
          ? 'is unhealthy'
          : undefined;
      if (why)
        this.record(rollout, target.slot.project, target.slot.service, Number(c.labels[LABELS.slot]), why);
    }
  }

  /** Slots whose create or start failed this pass (the executor's words). */
  noteFailedSlots(failed: Map<string, string>): void {
    for (const [key, why] of failed) {
      const s = this.seen.get(key.split('/').slice(0, 2).join('/'));
      if (s?.view.phase !== 'rolling') continue;
      const [project, service, replica] = key.split('/') as [string, string, string];
      this.record(s.rollout, project, service, Number(replica), why);
    }
  }

  private record(rollout: Rollout, project: string, service: string, replica: number, why: string): void {
    let entry = this.failed.get(rollout.id);
    if (!entry) {
      entry = { project, service, replicas: new Map() };
      this.failed.set(rollout.id, entry);
    }
    if (!entry.replicas.has(replica)) {
      entry.replicas.set(replica, why);
      this.o.logger.warn(
        { project: entry.project, service: entry.service, replica: replica + 1, why },
        'rolling update: new replica failed',
      );
    }
  }

  /** This node's failures, for its status entry. */
  report(): ReportEntry[] {
    return [...this.failed]
      .sort((a, b) => (a[0] < b[0] ? -1 : 1))
      .map(([id, f]) => ({
        project: f.project,
        service: f.service,
        id,
        failed: [...f.replicas].sort((a, b) => a[0] - b[0]).map(([replica, reason]) => ({ replica, reason })),
      }));
  }

  /**
   * Rolls back the failed rollouts this node saw a failure of (failure_action: rollback):
   * the spec goes back one revision, unless someone changed it since. Resolves whether it wrote.
   */
  async act(): Promise<boolean> {
    let wrote = false;
    for (const [key, s] of this.seen) {
      if (s.view.phase !== 'failed' || this.acted.has(s.rollout.id) || !this.failed.has(s.rollout.id))
        continue;
      this.acted.add(s.rollout.id);
      const [project, service] = key.split('/') as [string, string];
      const current = this.o.state.getProject(project) as ProjectSpec | undefined;
      if (!current || rolloutOf(current, service)?.id !== s.rollout.id) continue;
      const name = this.o.nodeName?.();
      const spec = rolledBack(
        current,
        [service],
        {
          at: this.o.clock.now(),
          node: this.o.nodeId,
          ...(name ? { nodeName: name } : {}),
          command: 'rollback',
        },
        `update failed: ${s.view.reason ?? 'a new replica failed'}`,
      );
      this.o.logger.warn({ project, service, reason: s.view.reason }, 'rolling update failed: rolling back');
      this.o.state.putProject(spec);
      wrote = true;
    }
    if (wrote) await this.o.flush();
    return wrote;
  }
}

function doneView(n: number): RolloutView {
  return {
    phase: 'completed',
    released: new Set(),
    waves: n,
    wave: n,
    failures: [],
    ready: [...Array(n).keys()],
    replicas: n,
  };
}
