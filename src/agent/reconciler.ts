/**
 * The agent's reconcile loop. One pass: the projects in ClusterState → desired slots
 * (with `fizz scale` overrides and stopped services) → placement over the members → the
 * slots this node owns → plan against the containers the runtime reports → execution.
 * Passes run one at a time; requests that arrive during a pass are merged into the next.
 * Passes are triggered by state changes, runtime events and a periodic tick.
 */
import type { ClusterState, NodeStatus } from '../../crdt/index.js';
import type { OpProgress } from '../api/protocol.js';
import type { ProjectSpec } from '../compose/types.js';
import { globalReplicas, isGlobal } from '../placement/slots.js';
import type { PlacementMember } from '../placement/types.js';
import { type ObjectVersion, plan, toDesiredSlots, waves } from '../reconcile/index.js';
import type { Action, DesiredSlot, PlanInput } from '../reconcile/types.js';
import { ensureResources, neededResources } from '../runtime/resources.js';
import { type ContainerInfo, LABELS, type Runtime, type RuntimeEvent, slotKey } from '../runtime/types.js';
import { BackoffBook } from './backoff-book.js';
import type { Clock } from './clock.js';
import { Executor } from './executor.js';
import { keptForHandoff } from './handoff.js';
import { HealBook, slotRefOf } from './heal-book.js';
import { ImageStage, type ImagesRequest } from './image-stage.js';
import { ImageWaits } from './image-waits.js';
import { ImageService, type ImageServiceOptions } from './images.js';
import type { Logger } from './logger.js';
import { statusContainers } from './node-status.js';
import { ownedSlots, type PlaceFn } from './ownership.js';
import { dependencyHoldsElsewhere, waitUntil } from './remote-dependency.js';
import type { Rollouts } from './rollouts.js';
import { ContainerWaiter } from './waiter.js';

export interface ReconcilerOptions {
  nodeId: string;
  /** What else this node says about itself in its status entry (its mesh end). */
  statusExtra?: () => Pick<NodeStatus, 'mesh' | 'held'>;
  /** The cluster's image spread (p2p-images/): peers asked before the registry. */
  peerImages?: Pick<ImageServiceOptions, 'peers' | 'changed' | 'onImage'>;
  state: ClusterState;
  runtime: Runtime;
  clock: Clock;
  logger: Logger;
  /** Periodic pass, ms. */
  tickMs: number;
  /** Fallback poll while waiting for a container condition, ms. */
  pollMs: number;
  dependencyTimeoutMs: number;
  /** Back-off for failed slots and unhealthy restarts. */
  backoffBaseMs: number;
  backoffCapMs: number;
  random?: () => number;
  /** The placement function (src/placement's `place`). */
  place: PlaceFn;
  /** The members placement runs over (default: this node alone). */
  members?: () => PlacementMember[];
  /** Whether this node is in a cluster (services with no restart policy then run under `any`). */
  clustered?: () => boolean;
  /** Make-before-break gives up waiting for a new owner after this long, ms (default 60 s). */
  handoffTimeoutMs?: number;
  /**
   * How long a handed-off replica drains (reported draining, kept running) before it stops,
   * ms (default 2000): long enough for every node's mesh to stop routing to it.
   */
  handoffDrainMs?: number;
  /** Filters each pass's planned actions (keep-only while the state is not trusted, trust.ts). */
  guard?: (actions: Action[], reqs: PassRequest[]) => Action[];
  /** Versions of cluster-wide secrets and configs: a new one recreates the services using it. */
  objectVersion?: ObjectVersion;
  /** Rolling updates (rollouts.ts): which revision each owned slot runs now. */
  rollouts?: Rollouts;
  /** Each engine event of a container this node made, for the events log. */
  onEngineEvent?: (ev: RuntimeEvent) => void;
  /** Each pass's placement (slot key → node id), for the events log. */
  onPlacement?: (assignment: Map<string, string>) => void;
  /** After each pass: how long it took, what it planned, how many slots no node can take (metrics). */
  onPass?: (p: { ms: number; actions: Action[]; pending: number }) => void;
}

/** What a caller (an API operation) wants from the next pass. */
export interface PassRequest {
  /** Receives the progress of these projects. */
  watch?: { projects: string[]; emit: (event: OpProgress) => void };
  /** Exited containers to start again (`fizz up`, `fizz start`): projects or `project/service`. */
  rerunExited?: string[];
  /** Projects to manage this pass even if no container says this node made them (`fizz down`). */
  manage?: string[];
  /** Specs of projects just removed from the state, so their containers go in reverse dependency order. */
  removing?: ProjectSpec[];
  /** Containers to recreate even if their spec is unchanged (`up --force-recreate`): projects or `project/service`. */
  forceRecreate?: string[];
  /** `project/service`s started this pass without waiting for dependencies outside this list (`up --no-deps`). */
  ignoreDependencies?: string[];
  /** Grace periods by project, ms, for the containers this pass stops or removes (`-t`); overrides stop_grace_period. */
  graceMs?: Record<string, number>;
  /** `fizz up`: the images of these services are pulled or built as asked before the pass acts (image-stage.ts). */
  images?: ImagesRequest;
}

export interface PassResult {
  /** Failure lines by project. */
  errors: Map<string, string[]>;
  /** Containers created, started or restarted, by project. */
  touched: Map<string, Set<string>>;
  /** The containers as listed before the pass acted. */
  actual: ContainerInfo[];
  /** Whether the pass acted at all. */
  changed: boolean;
}

interface Pending {
  req: PassRequest;
  resolve: (r: PassResult) => void;
  reject: (e: unknown) => void;
}

/** A pass asked of a reconciler that is stopping (the agent is shutting down). */
export class ReconcilerStoppedError extends Error {
  override readonly name = 'ReconcilerStoppedError';
  constructor() {
    super('the agent is stopping; run the command again once it is back');
  }
}

/** The text of a failure outside any one service (the runtime's own messages say how to fix them). */
export function engineHelp(err: unknown): string {
  const e = err as Error;
  return e?.message ?? String(err);
}

export class Reconciler {
  readonly waiter: ContainerWaiter;
  /** Pulls and builds: the pass's image step, and `fizz pull` / `fizz build`. */
  readonly images: ImageService;
  private readonly imageStage: ImageStage;
  private readonly executor: Executor;
  private readonly failures: BackoffBook;
  private readonly restarts: BackoffBook;
  private readonly made = new Set<string>();
  /** Containers removed by hand, and how often each slot was healed (heal-book.ts). */
  private readonly heals = new HealBook();
  /** Containers `fizz kill` ended: no restart policy starts them again (see `hold`). */
  private readonly held = new Set<string>();
  private queue: Pending[] = [];
  private running = false;
  private lastStatus = '';
  private lastWaitWrite = Number.NEGATIVE_INFINITY;
  /** Owned replicas that wait for their image, with why (written in the status entry). */
  readonly imageWaits = new ImageWaits();
  /** Slots moving to another node, since when (make-before-break). */
  private readonly handoffSince = new Map<string, number>();
  private readonly handoffReleased = new Map<string, number>();
  /** Slot keys draining as of the last pass (handoff.ts): marked in the status entry. */
  private readonly drainingSlots = new Set<string>();
  /** Slots placed here that wait for a leaving replica to free their host port (handoff.ts). */
  private readonly portBlocked = new Set<string>();
  /** Slots no member can take, with the reason, as of the last pass. */
  unplaced: Array<{ slot: string; reason: string }> = [];
  private readonly abort = new AbortController();
  private readonly loops: Promise<void>[] = [];
  private draining: Promise<void> = Promise.resolve();
  /** The tail of the exclusive section: passes and `exclusive()` callers run one at a time. */
  private section: Promise<void> = Promise.resolve();

  constructor(private readonly o: ReconcilerOptions) {
    this.waiter = new ContainerWaiter(o.runtime, o.clock, o.pollMs);
    this.executor = new Executor(o.runtime, this.waiter, {
      nodeId: o.nodeId,
      dependencyTimeoutMs: o.dependencyTimeoutMs,
    });
    this.failures = new BackoffBook(o.backoffBaseMs, o.backoffCapMs, o.random);
    this.images = new ImageService({ runtime: o.runtime, clock: o.clock, logger: o.logger, ...o.peerImages });
    this.imageStage = new ImageStage(this.images);
    this.restarts = new BackoffBook(o.backoffBaseMs, o.backoffCapMs, o.random);
  }

  /** Starts the tick, the state listener and the runtime event listener. */
  start(): void {
    const off = this.o.state.on('change', (e) => {
      if (
        e.kind === 'project-put' ||
        e.kind === 'project-removed' ||
        e.kind === 'scale' ||
        e.kind === 'stopped' ||
        e.kind === 'secret'
      )
        if (!e.local) this.kick();
      // A new owner reported a replica this node hands over: stop ours now, not at the tick.
      if (e.kind === 'node-status' && !e.local && this.handoffSince.size > 0) this.kick();
      // Another node's replica became ready: the next wave of a rolling update may go.
      else if (e.kind === 'node-status' && !e.local && this.o.rollouts?.active()) this.kick();
    });
    this.abort.signal.addEventListener('abort', off, { once: true });
    this.loops.push(this.tickLoop(), this.eventLoop());
  }

  /**
   * Stops the loops and waits for the pass under way: its waits end at once, its engine
   * calls finish. Only then may the agent release its home to another agent.
   */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.allSettled([...this.loops, this.draining]);
  }

  /**
   * Runs `fn` while no pass runs: a pass under way finishes first, and no pass starts
   * until `fn` settles. For operations that act on the engine outside a plan (`fizz
   * restart`), so a pass cannot recreate or start a container they are stopping.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.section.then(fn);
    this.section = run.then(
      () => {},
      () => {},
    );
    return run;
  }

  /** Schedules a pass nobody waits for. */
  kick(): void {
    this.request({}).catch((err) => this.o.logger.warn({ err: engineHelp(err) }, 'reconcile pass failed'));
  }

  /** Asks for a pass that starts after this call; resolves with its result. */
  request(req: PassRequest): Promise<PassResult> {
    return new Promise((resolve, reject) => {
      if (this.abort.signal.aborted) return reject(new ReconcilerStoppedError());
      this.queue.push({ req, resolve, reject });
      if (!this.running) this.draining = this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        if (this.abort.signal.aborted) {
          for (const p of this.queue.splice(0)) p.reject(new ReconcilerStoppedError());
          break;
        }
        const batch = this.queue;
        this.queue = [];
        try {
          const result = await this.exclusive(() => this.pass(batch.map((p) => p.req)));
          for (const p of batch) p.resolve(result);
          // A failed rolling update with failure_action: rollback is rolled back by a node that saw it fail.
          if (this.o.rollouts)
            void this.o.rollouts.act().then(
              (wrote) => wrote && this.kick(),
              (err) => this.o.logger.warn({ err: engineHelp(err) }, 'rollback not written'),
            );
          // After answering: the status entry is off the critical path of `fizz up`.
          try {
            await this.writeStatus(result.changed ? await this.o.runtime.list() : result.actual);
          } catch (err) {
            this.o.logger.debug({ err: (err as Error).message }, 'node status not written');
          }
        } catch (err) {
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.running = false;
    }
  }

  private async tickLoop(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      await this.o.clock.sleep(this.o.tickMs, signal);
      if (signal.aborted) break;
      if (this.queue.length === 0 && !this.running) this.kick();
    }
  }

  private async eventLoop(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        for await (const ev of this.o.runtime.events(signal)) {
          this.waiter.notify(ev.containerId);
          if (ev.labels[LABELS.node] === this.o.nodeId) this.o.onEngineEvent?.(ev);
          const a = ev.action;
          // start and healthy: the status entry other nodes wait on (make-before-break) changes.
          if (
            a === 'die' ||
            a === 'destroy' ||
            a === 'oom' ||
            a === 'start' ||
            a.startsWith('health_status: unhealthy') ||
            a.startsWith('health_status: healthy')
          ) {
            if (this.queue.length === 0) this.kick();
          }
        }
      } catch (err) {
        if (!signal.aborted) this.o.logger.debug({ err: (err as Error).message }, 'runtime events ended');
      }
      await this.o.clock.sleep(1000, signal);
    }
  }

  private projectSpecs(): Map<string, ProjectSpec> {
    const out = new Map<string, ProjectSpec>();
    for (const name of this.o.state.listProjects()) {
      const spec = this.o.state.getProject(name) as ProjectSpec | undefined;
      if (spec) out.set(name, spec);
    }
    return out;
  }

  /**
   * The slots every project wants. A project whose spec cannot be planned (a dependency
   * cycle, a malformed field from a hostile or buggy writer) is left out and named in
   * `broken`: it must neither stop the other projects nor lose its containers.
   */
  private members(): PlacementMember[] {
    return this.o.members?.() ?? [{ id: this.o.nodeId, name: this.o.nodeId, status: 'alive', labels: {} }];
  }

  /** The replicas a project wants now (scale overrides and stopped services applied). */
  desiredOf(project: string): DesiredSlot[] {
    const spec = this.o.state.getProject(project) as ProjectSpec | undefined;
    return spec ? this.desired(new Map([[project, spec]])).slots : [];
  }

  private desired(specs: Map<string, ProjectSpec>): { slots: DesiredSlot[]; broken: Map<string, string> } {
    const slots: DesiredSlot[] = [];
    const broken = new Map<string, string>();
    for (const [name, spec] of specs) {
      try {
        waves(spec); // a dependency cycle would deadlock the executor
        const overrides: Record<string, number> = {};
        const stopped = new Set<string>();
        for (const svc of Object.keys(spec.services)) {
          const n = isGlobal(spec.services[svc]!)
            ? globalReplicas(spec.services[svc]!, this.members())
            : this.o.state.getScale(name, svc);
          if (n !== undefined) overrides[svc] = n;
          if (this.o.state.isServiceStopped(name, svc)) stopped.add(svc);
        }
        slots.push(...toDesiredSlots(spec, overrides, stopped, this.o.objectVersion));
      } catch (err) {
        broken.set(name, `project "${name}" cannot be planned: ${engineHelp(err)}`);
      }
    }
    return { slots, broken };
  }

  private async pass(reqs: PassRequest[]): Promise<PassResult> {
    const { runtime, clock, nodeId } = this.o;
    const started = clock.now();
    const specs = this.projectSpecs();
    const { slots, broken } = this.desired(specs);
    for (const name of broken.keys()) specs.delete(name);
    const members = this.members();
    const placed = ownedSlots(slots, nodeId, this.o.place, members);
    const { assignment, unplaced } = placed;
    this.o.onPlacement?.(assignment);
    this.unplaced = unplaced;
    // Only this node's containers: another agent (another FIZZ_HOME) on the engine owns the rest.
    const actual = (await runtime.list()).filter((c) => c.labels[LABELS.node] === nodeId);
    const now = clock.now();
    const shaped = this.o.rollouts?.shape({
      specs,
      owned: placed.owned,
      all: slots,
      actual,
      live: new Set(members.filter((m) => m.status === 'alive' || m.status === 'suspect').map((m) => m.id)),
      unplaced: new Set(unplaced.map((u) => u.slot)),
    });
    const owned = shaped?.owned ?? placed.owned;
    const keep = keptForHandoff({
      nodeId,
      actual,
      desired: new Map(slots.map((d) => [slotKey(d.slot), d])),
      assignment,
      statuses: this.o.state.nodeStatuses(),
      since: this.handoffSince,
      now,
      timeoutMs: this.o.handoffTimeoutMs ?? 60_000,
      drain: {
        ms: this.o.handoffDrainMs ?? 2000,
        released: this.handoffReleased,
        draining: this.drainingSlots,
      },
      blocked: this.portBlocked,
    });
    // A pass when the drain ends, not at the next tick.
    if (this.drainingSlots.size > 0)
      void clock.sleep(this.o.handoffDrainMs ?? 2000, this.abort.signal).then(
        () => this.kick(),
        () => {},
      );

    const managed = new Set<string>(specs.keys());
    for (const c of actual) if (c.labels[LABELS.node] === nodeId) managed.add(c.labels[LABELS.project] ?? '');
    for (const r of reqs) for (const p of r.manage ?? []) managed.add(p);
    managed.delete('');
    for (const name of broken.keys()) managed.delete(name);

    const watchers = reqs.flatMap((r) => (r.watch ? [r.watch] : []));
    const emit = (project: string, event: OpProgress) => {
      for (const w of watchers) if (w.projects.includes(project)) w.emit(event);
    };
    const userProjects = new Set(watchers.flatMap((w) => w.projects));

    const errors = new Map<string, string[]>();
    for (const [name, line] of broken) errors.set(name, [line]);
    const ownedProjects = new Set(owned.map((d) => d.slot.project));
    for (const name of ownedProjects) {
      try {
        await ensureResources(
          runtime,
          specs.get(name)!,
          this.made,
          (kind, resName) =>
            emit(name, { type: 'progress', resource: kind, name: resName, status: 'created' }),
          nodeId,
        );
      } catch (err) {
        errors.set(name, [`project "${name}": ${engineHelp(err)}`]);
      }
    }

    // Health: an unhealthy container is restarted once its back-off allows.
    const restartAllowed = new Set<string>();
    for (const c of actual) {
      const ref = slotRefOf(c);
      if (!ref) continue;
      if (c.health === 'healthy') this.restarts.clear(ref);
      if (c.health === 'unhealthy' && this.restarts.allowed(ref, now)) restartAllowed.add(ref);
    }

    const rerun = new Set(reqs.flatMap((r) => r.rerunExited ?? []));
    const forceRecreate = new Set(reqs.flatMap((r) => r.forceRecreate ?? []));
    this.releaseHeld(actual, rerun);
    this.heals.begin(actual, owned, rerun);
    const planInput: PlanInput = {
      owned,
      actual,
      projects: managed,
      restartAllowed,
      rerunExited: rerun,
      forceRecreate,
      heldExited: new Set(this.held),
      vanished: this.heals.vanished(),
      keep,
      clustered: this.o.clustered?.() ?? false,
      ...(shaped ? { startFirst: shaped.startFirst, keepTwins: shaped.keepTwins } : {}),
    };
    // Keep-only while the state is not trusted (trust.ts).
    const guarded = (acts: Action[]) => (this.o.guard ? this.o.guard(acts, reqs) : acts);
    // A slot that failed lately waits out its back-off, unless a user asks for its project now.
    const allowed = (a: Action) => {
      if (a.kind === 'remove' || a.kind === 'stop') return true;
      if (errors.has(a.slot.slot.project)) return false;
      // Not a failure: the pass at the end of the drain starts it.
      if (this.portBlocked.has(slotKey(a.slot.slot))) return false;
      return userProjects.has(a.slot.slot.project) || this.failures.allowed(slotKey(a.slot.slot), now);
    };
    // Images first: pulled or built as asked; a service without its image keeps what it runs.
    const staged = await this.imageStage.run({
      actions: guarded(plan(planInput)).filter(allowed),
      replan: (more) =>
        guarded(plan({ ...planInput, forceRecreate: new Set([...forceRecreate, ...more]) })).filter(allowed),
      owned,
      actual,
      specs,
      requests: reqs.flatMap((r) => (r.images ? [r.images] : [])),
      emit,
      wait: (slots, reason) => this.noteWaiting(slots, reason, actual),
      signal: this.abort.signal,
    });
    const actions = staged.actions;
    this.imageWaits.prune(
      new Set(owned.map((d) => slotKey(d.slot))),
      // Made already, or about to be: the image is here.
      new Set([
        ...actual.flatMap((c) => slotRefOf(c) ?? []),
        ...actions.flatMap((a) => (a.kind === 'remove' ? [] : [slotKey(a.slot.slot)])),
      ]),
    );
    for (const [key, reason] of staged.reasons) this.imageWaits.set([key], reason);
    for (const key of staged.failedSlots) this.failures.record(key, clock.now());
    for (const [p, lines] of staged.errors) errors.set(p, [...(errors.get(p) ?? []), ...lines]);
    if (actions.length > 0)
      this.o.logger.info(
        {
          actions: actions.map(
            (a) => `${a.kind} ${a.kind === 'remove' ? a.container.name : a.slot.name}: ${a.reason}`,
          ),
        },
        'reconcile',
      );

    // In a cluster a dependency may run on another node (remote-dependency.ts).
    const others = new Set(
      members
        .filter((m) => m.status === 'alive' || m.status === 'suspect')
        .map((m) => m.id)
        .filter((id) => id !== nodeId),
    );
    const result = await this.executor.execute({
      actions,
      projects: specs,
      removedProjects: new Map(reqs.flatMap((r) => r.removing ?? []).map((p) => [p.name, p])),
      actual,
      emit,
      signal: this.abort.signal,
      graceMs: mergedGrace(reqs),
      ignoreDependencies: new Set(reqs.flatMap((r) => r.ignoreDependencies ?? [])),
      ...(others.size > 0
        ? {
            remoteDependency: (project: string, service: string, condition: string, signal: AbortSignal) =>
              waitUntil(
                () =>
                  dependencyHoldsElsewhere(this.o.state.nodeStatuses(), others, project, service, condition),
                clock,
                this.o.dependencyTimeoutMs,
                signal,
              ),
          }
        : {}),
    });
    for (const key of result.failedSlots) this.failures.record(key, clock.now());
    for (const key of result.doneSlots) this.failures.clear(key);
    this.o.rollouts?.noteFailedSlots(failureReasons(result.failedSlots, result.errors));
    for (const a of actions)
      if (a.kind === 'restart' && result.doneSlots.has(slotKey(a.slot.slot)))
        this.restarts.record(slotKey(a.slot.slot), clock.now());
    this.heals.end(actions, result.doneSlots, result.failedSlots);
    for (const [p, lines] of result.errors) errors.set(p, [...(errors.get(p) ?? []), ...lines]);
    // A failure may come from a network or volume removed behind the agent's back: check them again next pass.
    for (const p of errors.keys()) {
      const spec = specs.get(p);
      if (spec) this.forget(neededNames(spec));
    }
    for (const [p, lines] of errors) this.o.logger.warn({ project: p, errors: lines }, 'reconcile failures');
    this.o.onPass?.({ ms: clock.now() - started, actions, pending: unplaced.length });

    return { errors, touched: result.touched, actual, changed: actions.length > 0 };
  }

  /** Replicas wait for an image on its way: said in the status entry at most once a second. */
  private noteWaiting(slots: string[], reason: string, actual: ContainerInfo[]): void {
    this.imageWaits.set(slots, reason);
    const now = this.o.clock.now();
    if (now - this.lastWaitWrite < 1000) return;
    this.lastWaitWrite = now;
    void this.writeStatus(actual).catch(() => {});
  }

  /** Writes this node's status entry when what it runs changed (not on every tick). */
  private async writeStatus(containers: ContainerInfo[]): Promise<void> {
    const list = statusContainers(containers, this.o.nodeId, this.drainingSlots);
    const extra = this.o.statusExtra?.() ?? {};
    const rollouts = this.o.rollouts?.report() ?? [];
    const waiting = this.imageWaits.list();
    const text = JSON.stringify([list, extra, rollouts, waiting]);
    // Written again when a peer removed it (it took this node for gone) though nothing changed.
    if (text === this.lastStatus && this.o.state.nodeStatuses().has(this.o.nodeId)) return;
    this.lastStatus = text;
    this.o.state.setNodeStatus({
      containers: list,
      images: [],
      updatedAt: this.o.clock.now(),
      ...extra,
      ...(rollouts.length > 0 ? { rollouts } : {}),
      ...(waiting.length > 0 ? { waiting } : {}),
    });
  }

  /** Forgets networks and volumes made for a project (after `fizz down` removed them). */
  /**
   * `fizz kill` ended these containers: as the engine does with a container killed by hand,
   * the loop does not start them again under `restart: always`, until an `up` or a `start`
   * of their service (or `release`). Kept in memory: a restarted agent, like a restarted
   * engine, starts them again under their policy.
   */
  hold(ids: string[]): void {
    for (const id of ids) this.held.add(id);
  }

  /** `fizz restart` started these containers again: their policy applies once more. */
  release(ids: string[]): void {
    for (const id of ids) this.held.delete(id);
  }

  /** How often this agent healed the slot: unhealthy restarts and recreations after a removal by hand. */
  healCount(key: string): number {
    return this.heals.count(key);
  }

  /** Drops holds on containers gone or named by this pass's `rerunExited`. */
  private releaseHeld(actual: ContainerInfo[], rerun: Set<string>): void {
    const byId = new Map(actual.map((c) => [c.id, c]));
    for (const id of this.held) {
      const c = byId.get(id);
      const project = c?.labels[LABELS.project] ?? '';
      const slot = c && slotRefOf(c);
      if (
        !c ||
        rerun.has(project) ||
        rerun.has(`${project}/${c.labels[LABELS.service]}`) ||
        (slot && rerun.has(slot))
      )
        this.held.delete(id);
    }
  }

  forget(names: string[]): void {
    for (const n of names) {
      this.made.delete(`network:${n}`);
      this.made.delete(`volume:${n}`);
    }
  }
}

/** The grace overrides of merged requests; the shortest wins where two name one project. */
function mergedGrace(reqs: PassRequest[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of reqs)
    for (const [project, ms] of Object.entries(r.graceMs ?? {}))
      out.set(project, Math.min(ms, out.get(project) ?? ms));
  return out;
}

/** Each failed slot with the first failure line of its service (the executor names the service). */
function failureReasons(failed: Set<string>, errors: Map<string, string[]>): Map<string, string> {
  const out = new Map<string, string>();
  for (const key of failed) {
    const [project, service] = key.split('/');
    const line = (errors.get(project ?? '') ?? []).find((l) => l.startsWith(`service "${service}"`));
    out.set(key, line ? `could not start: ${line.replace(/^service "[^"]*": /, '')}` : 'could not start');
  }
  return out;
}

function neededNames(spec: ProjectSpec): string[] {
  const need = neededResources(spec);
  return [...need.networks.map((n) => n.name), ...need.volumes.map((v) => v.name)];
}
