/**
 * The agent's reconcile loop. One pass: the projects in ClusterState → desired slots
 * (with `fizz scale` overrides and stopped services) → placement over the members → the
 * slots this node owns → plan against the containers the runtime reports → execution.
 * Passes run one at a time; requests that arrive during a pass are merged into the next.
 * Passes are triggered by state changes, runtime events and a periodic tick.
 */
import type { ProjectSpec } from '../compose/types.js';
import type { PlacementMember } from '../placement/types.js';
import { plan } from '../reconcile/index.js';
import type { Action, DesiredSlot, PlanInput } from '../reconcile/types.js';
import { ensureResources } from '../runtime/resources.js';
import { LABELS, slotKey } from '../runtime/types.js';
import { BackoffBook } from './backoff-book.js';
import { desiredSlots, projectSpecs } from './desired-state.js';
import { Executor } from './executor.js';
import { drainBeforeReplace, keptForHandoff } from './handoff.js';
import { HealBook, slotRefOf } from './heal-book.js';
import { HealthRestarts } from './health-restarts.js';
import { ImageStage } from './image-stage.js';
import { ImageWaits } from './image-waits.js';
import { ImageService } from './images.js';
import { KillHolds } from './kill-holds.js';
import { ownedSlots } from './ownership.js';
import { actionLines, failureReasons, mergedGrace, neededNames, passScope } from './pass-helpers.js';
import { startPassTriggers } from './pass-triggers.js';
import {
  engineHelp,
  type PassRequest,
  type PassResult,
  type ReconcilerOptions,
  ReconcilerStoppedError,
} from './pass-types.js';
import { remoteDependencyWait } from './remote-dependency.js';
import { StatusWriter } from './status-writer.js';
import { ContainerWaiter } from './waiter.js';

// What a pass is asked and answers, for the reconciler's callers.
export * from './pass-types.js';

interface Pending {
  req: PassRequest;
  resolve: (r: PassResult) => void;
  reject: (e: unknown) => void;
}

export class Reconciler {
  readonly waiter: ContainerWaiter;
  /** Pulls and builds: the pass's image step, and `fizz pull` / `fizz build`. */
  readonly images: ImageService;
  private readonly imageStage: ImageStage;
  private readonly executor: Executor;
  private readonly failures: BackoffBook;
  /** Restarts of unhealthy containers, with their back-off (health-restarts.ts). */
  private readonly restarts: HealthRestarts;
  private readonly made = new Set<string>();
  /** Containers removed by hand, and how often each slot was healed (heal-book.ts). */
  private readonly heals = new HealBook();
  /** Containers `fizz kill` ended: no restart policy starts them again (kill-holds.ts). */
  private readonly held = new KillHolds();
  private queue: Pending[] = [];
  private running = false;
  /** Owned replicas that wait for their image, with why (written in the status entry). */
  readonly imageWaits = new ImageWaits();
  /** Slots moving to another node, since when (make-before-break). */
  private readonly handoffSince = new Map<string, number>();
  private readonly handoffReleased = new Map<string, number>();
  private readonly replaceSince = new Map<string, number>(); // replaced in place: draining since (handoff.ts)
  /** Slot keys draining as of the last pass (handoff.ts): marked in the status entry. */
  private readonly drainingSlots = new Set<string>();
  /** This node's status entry (status-writer.ts). */
  private readonly status: StatusWriter;
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
    this.restarts = new HealthRestarts(o.backoffBaseMs, o.backoffCapMs, o.random);
    this.status = new StatusWriter({
      nodeId: o.nodeId,
      state: o.state,
      clock: o.clock,
      imageWaits: this.imageWaits,
      draining: this.drainingSlots,
      ...(o.statusExtra ? { statusExtra: o.statusExtra } : {}),
      ...(o.rollouts ? { rollouts: o.rollouts } : {}),
    });
  }

  /** Starts the tick, the state listener and the runtime event listener (pass-triggers.ts). */
  start(): void {
    const { o } = this;
    this.loops.push(
      ...startPassTriggers({
        nodeId: o.nodeId,
        state: o.state,
        runtime: o.runtime,
        clock: o.clock,
        logger: o.logger,
        tickMs: o.tickMs,
        waiter: this.waiter,
        ...(o.onEngineEvent ? { onEngineEvent: o.onEngineEvent } : {}),
        kick: () => this.kick(),
        queueEmpty: () => this.queue.length === 0,
        running: () => this.running,
        // Handing over: stop ours once the new owner runs it. Rolling: the next wave may go.
        watchesPeers: () => this.handoffSince.size > 0 || Boolean(o.rollouts?.active()),
        signal: this.abort.signal,
      }),
    );
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
            await this.status.write(result.changed ? await this.o.runtime.list() : result.actual);
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

  private members(): PlacementMember[] {
    return this.o.members?.() ?? [{ id: this.o.nodeId, name: this.o.nodeId, status: 'alive', labels: {} }];
  }

  /** The replicas a project wants now (scale overrides and stopped services applied). */
  desiredOf(project: string): DesiredSlot[] {
    const spec = this.o.state.getProject(project) as ProjectSpec | undefined;
    return spec ? this.desired(new Map([[project, spec]])).slots : [];
  }

  /** The slots of `specs` (desired-state.ts). */
  private desired(specs: Map<string, ProjectSpec>): { slots: DesiredSlot[]; broken: Map<string, string> } {
    return desiredSlots(specs, this.o.state, () => this.members(), this.o.objectVersion);
  }

  private async pass(reqs: PassRequest[]): Promise<PassResult> {
    const { runtime, clock, nodeId } = this.o;
    const started = clock.now();
    const specs = projectSpecs(this.o.state);
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
    const drainMs = this.o.handoffDrainMs ?? 2000;
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
      drain: { ms: drainMs, released: this.handoffReleased, draining: this.drainingSlots },
      blocked: this.portBlocked,
      drainScaledAway: this.o.clustered?.() ?? false,
    });
    // A pass when the drain ends, not at the next tick.
    if (this.drainingSlots.size > 0) this.kickIn(drainMs);

    const { managed, emit, userProjects } = passScope(reqs, specs, actual, nodeId, broken);

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
    const restartAllowed = this.restarts.allowed(actual, now);

    const rerun = new Set(reqs.flatMap((r) => r.rerunExited ?? []));
    const forceRecreate = new Set(reqs.flatMap((r) => r.forceRecreate ?? []));
    this.held.releaseFor(actual, rerun);
    this.heals.begin(actual, owned, rerun);
    const planInput: PlanInput = {
      owned,
      actual,
      projects: managed,
      restartAllowed,
      rerunExited: rerun,
      forceRecreate,
      heldExited: this.held.snapshot(),
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
      wait: (slots, reason) => this.status.noteWaiting(slots, reason, actual),
      signal: this.abort.signal,
    });
    const drains = { since: this.replaceSince, draining: this.drainingSlots };
    const ms = this.o.clustered?.() ? drainMs : 0;
    const { actions, waitMs } = drainBeforeReplace(staged.actions, slots, clock.now(), ms, drains);
    if (waitMs !== undefined) this.kickIn(waitMs);
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
    if (actions.length > 0) this.o.logger.info({ actions: actionLines(actions) }, 'reconcile');

    // In a cluster a dependency may run on another node (remote-dependency.ts).
    const remoteDependency = remoteDependencyWait({
      members,
      nodeId,
      state: this.o.state,
      clock,
      timeoutMs: this.o.dependencyTimeoutMs,
    });
    const result = await this.executor.execute({
      actions,
      projects: specs,
      removedProjects: new Map(reqs.flatMap((r) => r.removing ?? []).map((p) => [p.name, p])),
      actual,
      emit,
      signal: this.abort.signal,
      graceMs: mergedGrace(reqs),
      ignoreDependencies: new Set(reqs.flatMap((r) => r.ignoreDependencies ?? [])),
      ...(remoteDependency ? { remoteDependency } : {}),
    });
    for (const key of result.failedSlots) this.failures.record(key, clock.now());
    for (const key of result.doneSlots) this.failures.clear(key);
    this.o.rollouts?.noteFailedSlots(failureReasons(result.failedSlots, result.errors));
    this.restarts.record(actions, result.doneSlots, clock.now());
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

  /** A pass in `ms`, not at the next tick (a drain ends then). */
  private kickIn(ms: number): void {
    void this.o.clock.sleep(ms, this.abort.signal).then(
      () => this.kick(),
      () => {},
    );
  }

  /** `fizz kill` ended these containers: no restart policy starts them again (kill-holds.ts). */
  hold(ids: string[]): void {
    this.held.hold(ids);
  }

  /** `fizz restart` started these containers again: their policy applies once more. */
  release(ids: string[]): void {
    this.held.release(ids);
  }

  /** How often this agent healed the slot: unhealthy restarts and recreations after a removal by hand. */
  healCount(key: string): number {
    return this.heals.count(key);
  }

  /** Forgets networks and volumes made for a project (after `fizz down` removed them). */
  forget(names: string[]): void {
    for (const n of names) {
      this.made.delete(`network:${n}`);
      this.made.delete(`volume:${n}`);
    }
  }
}
