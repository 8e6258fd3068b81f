/**
 * The agent: the one process that talks to the container engine. It writes what the user
 * asks into ClusterState (durably, before acknowledging), lets the reconcile loop make it
 * so, and answers the local API. Every collaborator is handed in.
 */
import type { ClusterState } from '../../crdt/index.js';
import type { ClusterHandlers } from '../api/cluster-api.js';
import type { HistoryResponse, OpsHandlers, RollbackRequest } from '../api/ops-api.js';
import type {
  BuildRequest,
  DoneEvent,
  DownRequest,
  ExecRequest,
  ImageListResponse,
  ImagePushRequest,
  ImagesResponse,
  InfoResponse,
  InspectResponse,
  KillRequest,
  LogEvent,
  LsResponse,
  PsEntry,
  PsResponse,
  PullRequest,
  ScaleRequest,
  ServicesRequest,
  TopResponse,
  UpRequest,
} from '../api/protocol.js';
import type { ObjectHandlers } from '../api/secrets-api.js';
import type { ApiHandlers, Emit, LogsQuery } from '../api/server.js';
import type { ProjectSpec } from '../compose/types.js';
import type { PlacementMember } from '../placement/types.js';
import {
  canonicalJson,
  keyOf,
  type ObjectVersion,
  slotOfLabels,
  toDesiredSlots,
  waves,
} from '../reconcile/index.js';
import { historyOf, rolledBack, rolloutOf, withRevisions } from '../reconcile/revisions.js';
import { ORIGIN_KEY, projectOrigin } from '../reconcile/slots.js';
import { type ContainerInfo, type ExecSession, LABELS, type Runtime } from '../runtime/types.js';
import type { Clock } from './clock.js';
import { awaitCluster } from './cluster/converge.js';
import { replicaOf } from './container-ops.js';
import { type DownEntry, type DownJournal, MemoryDownJournal } from './down-journal.js';
import { AgentRequestError, EngineOps, ownContainers, pickServices } from './engine-ops.js';
import { EventSources } from './event-sources.js';
import { EventLog } from './events.js';
import { startExec } from './exec.js';
import { foreignContainers, foreignMessage } from './foreign.js';
import { historyResponse } from './history.js';
import { imagesOfUp } from './image-stage.js';
import { waitingOf } from './image-waits.js';
import { inspectService, LOCAL_NODE, localEndpoints, type ServiceNetView } from './inspect.js';
import type { Logger } from './logger.js';
import { followLogs, mergeLogs } from './logs.js';
import { listProjects } from './ls.js';
import { removeOneOffs } from './oneoffs.js';
import type { PlaceFn } from './ownership.js';
import type { ImageCommands } from './p2p-images/push.js';
import { MemoryProjectFiles, type ProjectFiles } from './project-files.js';
import { psResponse } from './ps.js';
import {
  engineHelp,
  type PassRequest,
  type PassResult,
  Reconciler,
  type ReconcilerOptions,
} from './reconciler.js';
import { MemoryRecreateJournal, type RecreateJournal } from './recreate-journal.js';
import { awaitRollouts } from './rollout-wait.js';
import { Rollouts } from './rollouts.js';
import { containerNameScaleError, overridesAfterUp, scaleError } from './scale.js';
import { StateTrust } from './trust.js';
import { desiredProject, type UpSelection, upTargets } from './up-spec.js';
import { isCompleted, isHealthy } from './waiter.js';

export interface AgentOptions {
  nodeId: string;
  home: string;
  version: string;
  state: ClusterState;
  /** Resolves once every change made to `state` so far is on disk. */
  flush: () => Promise<void>;
  runtime: Runtime;
  clock: Clock;
  logger: Logger;
  tickMs?: number;
  pollMs?: number;
  dependencyTimeoutMs?: number;
  waitTimeoutMs?: number;
  backoffBaseMs?: number;
  backoffCapMs?: number;
  random?: () => number;
  place: PlaceFn;
  /** `logs -f`: relist the project's containers at least this often, ms (default 2000). */
  logsRelistMs?: number;
  /** `logs -f` ends once nothing of the project has run for this long, ms (default 5000). */
  logsIdleMs?: number;
  /** Unfinished `fizz down`s, finished by `run()` (default: in memory only). */
  downs?: DownJournal;
  /**
   * Fault injection for the crash tests: called at named points of an operation (only
   * `down-after-containers` so far). The daemon kills itself there when asked to by
   * FIZZ_TEST_CRASH_AT; nothing else sets it.
   */
  faultPoint?: (point: 'down-after-containers') => void;
  /** The compose files of each project, for `fizz ls` (default: in memory only). */
  projectFiles?: ProjectFiles;
  /** The members placement runs over (default: this node alone). */
  members?: () => PlacementMember[];
  /** Whether this node is in a cluster. */
  clustered?: () => boolean;
  /** Passed to the reconciler (ReconcilerOptions.statusExtra). */
  statusExtra?: ReconcilerOptions['statusExtra'];
  /** `fizz image ls` and `fizz image push` (p2p-images/push.ts). */
  imageCommands?: Pick<ImageCommands, 'list' | 'push'>;
  /** Passed to the reconciler (ReconcilerOptions.peerImages). */
  peerImages?: ReconcilerOptions['peerImages'];
  /** This node's human name (`fizz ps`'s NODE column). */
  nodeName?: () => string | undefined;
  /** The mesh's view of services: `fizz inspect`'s endpoints, where published ports answer. */
  serviceNet?: ServiceNetView;
  /** `fizz ps` rows of the replicas other nodes run. */
  remotePs?: (project: string | undefined, all: boolean) => PsEntry[];
  /** The cluster routes (init, join, nodes, …). */
  cluster?: ClusterHandlers;
  /** `fizz secret` / `fizz config create` routes, and what `up` does to seal them (secrets/). */
  objects?: ObjectHandlers & {
    seal: (spec: ProjectSpec, previous: ProjectSpec | undefined) => Promise<ProjectSpec>;
    version: ObjectVersion;
  };
  /** Node id → name of the nodes placement may use (in a cluster). */
  memberNames?: () => Map<string, string>;
  /** Whether the state may be acted on (default: trusted), and what to tell the user; see trust.ts. */
  trust?: StateTrust;
  /** Unfinished `up --force-recreate`s, finished by `run()` (default: in memory only). */
  recreates?: RecreateJournal;
  /** Passed to the reconciler (ReconcilerOptions.onPass: metrics). */
  onPass?: ReconcilerOptions['onPass'];
}

/** A failing operation's `done` line. */
function done(errors: string[]): DoneEvent {
  return { type: 'done', ok: errors.length === 0, errors };
}

/** Why the reconciler could not plan `spec` (a dependency cycle, a malformed field), if it cannot. */
function planError(spec: ProjectSpec): string | undefined {
  try {
    waves(spec);
    toDesiredSlots(spec, {}, new Set());
    return undefined;
  } catch (err) {
    return engineHelp(err);
  }
}

export class Agent implements ApiHandlers {
  readonly reconciler: Reconciler;
  /** Rolling updates: where each stands, as this node's passes see it (rollouts.ts). */
  readonly rollouts: Rollouts;
  /** `fizz events`: this node's bounded log of the cluster's events (events.ts). */
  readonly events: EventLog;
  readonly eventSources: EventSources;
  private readonly waitTimeoutMs: number;
  private readonly downs: DownJournal;
  private readonly projectFiles: ProjectFiles;
  private readonly engineOps: EngineOps;
  private readonly trust: StateTrust;
  private readonly recreates: RecreateJournal;
  /** The tail of each project's queue of `up`s and `down`s (see serial). */
  private readonly projectQueues = new Map<string, Promise<void>>();

  constructor(private readonly o: AgentOptions) {
    this.downs = o.downs ?? new MemoryDownJournal();
    this.projectFiles = o.projectFiles ?? new MemoryProjectFiles();
    this.trust = o.trust ?? new StateTrust();
    this.recreates = o.recreates ?? new MemoryRecreateJournal();
    this.events = new EventLog(o.clock, () => o.nodeName?.() ?? o.nodeId);
    this.eventSources = new EventSources(this.events, o.state, () => {
      const names = new Map(o.memberNames?.() ?? []);
      const self = o.nodeName?.();
      if (self) names.set(o.nodeId, self);
      return names;
    });
    this.rollouts = new Rollouts({
      onPhase: (project, service, phase, reason) =>
        this.eventSources.onRollout(project, service, phase, reason),
      nodeId: o.nodeId,
      state: o.state,
      clock: o.clock,
      logger: o.logger,
      flush: o.flush,
      ...(o.nodeName ? { nodeName: o.nodeName } : {}),
    });
    const ro: ReconcilerOptions = {
      rollouts: this.rollouts,
      onPlacement: (assignment) => this.eventSources.onPlacement(assignment),
      onEngineEvent: (ev) => this.eventSources.onEngine(ev),
      nodeId: o.nodeId,
      state: o.state,
      runtime: o.runtime,
      clock: o.clock,
      logger: o.logger,
      tickMs: o.tickMs ?? 2000,
      pollMs: o.pollMs ?? 250,
      dependencyTimeoutMs: o.dependencyTimeoutMs ?? 120_000,
      backoffBaseMs: o.backoffBaseMs ?? 1000,
      backoffCapMs: o.backoffCapMs ?? 60_000,
      place: o.place,
      guard: (actions, reqs) =>
        this.trust.guard(actions, {
          known: (p) => o.state.knowsProject(p),
          manage: new Set(reqs.flatMap((r) => r.manage ?? [])),
        }),
    };
    if (o.members) ro.members = o.members;
    if (o.statusExtra) ro.statusExtra = o.statusExtra;
    if (o.peerImages) ro.peerImages = o.peerImages;
    if (o.clustered) ro.clustered = o.clustered;
    if (o.random) ro.random = o.random;
    if (o.objects) ro.objectVersion = o.objects.version;
    if (o.onPass) ro.onPass = o.onPass;
    this.reconciler = new Reconciler(ro);
    this.engineOps = new EngineOps(o.state, o.runtime, this.reconciler, o.nodeId);
    this.waitTimeoutMs = o.waitTimeoutMs ?? 120_000;
    if (o.cluster) this.cluster = o.cluster;
    if (o.objects) this.objects = o.objects;
  }

  readonly cluster?: ClusterHandlers;
  readonly objects?: ObjectHandlers;

  /**
   * Starts the loops; the first pass adopts whatever already runs. Then finishes every
   * `fizz down` an earlier agent journaled and did not finish; resolves once they are done.
   */
  run(): Promise<void> {
    this.stopEvents = this.eventSources.start();
    this.reconciler.start();
    this.reconciler.kick();
    return this.resumeDowns().then(() => this.resumeRecreates());
  }

  /** Finishes every `up --force-recreate` an earlier agent journaled and did not finish. */
  private async resumeRecreates(): Promise<void> {
    for (const { project, services } of this.recreates.list()) {
      await this.serial(project, async () => {
        if (!this.recreates.list().some((e) => e.project === project)) return;
        if (this.o.state.getProject(project) === undefined) return this.recreates.remove(project);
        this.o.logger.info({ project, services }, 'finishing an interrupted up --force-recreate');
        const pass = await this.runPass([project], () => {}, {
          forceRecreate: services,
          rerunExited: services,
        });
        const errors = Array.isArray(pass) ? pass : (pass.errors.get(project) ?? []);
        if (errors.length === 0) await this.recreates.remove(project);
        else this.o.logger.warn({ project, errors }, 'interrupted up --force-recreate not finished');
      });
    }
  }

  private async resumeDowns(): Promise<void> {
    for (const { project } of this.downs.list()) {
      // In the project's queue: an `up` or `down` of it that arrives meanwhile waits for this one.
      await this.serial(project, async () => {
        // An `up` of the project since this agent started cancelled the down.
        const entry = this.downs.list().find((e) => e.project === project);
        if (!entry) return;
        const later = this.supersededBy(entry);
        if (later) {
          this.o.logger.info({ project }, `interrupted down dropped: ${later}`);
          await this.downs.remove(project);
          return;
        }
        this.o.logger.info({ project, volumes: entry.volumes }, 'finishing an interrupted down');
        const done = await this.downNow({ project, volumes: entry.volumes }, () => {}, entry.spec);
        if (!done.ok) this.o.logger.warn({ project, errors: done.errors }, 'interrupted down not finished');
      });
    }
  }

  /**
   * Why a journaled down must not be finished, if so: the state holds the project again
   * after the down removed it (a removal wins over every older definition, so whatever is
   * there now came later: an `up`, maybe on another node), or, for a down that had not
   * removed it yet, holds another spec than the one the down began with.
   */
  private supersededBy(entry: DownEntry): string | undefined {
    const now = this.o.state.getProject(entry.project);
    if (now === undefined) return undefined;
    if (entry.stateRemoved) return 'the project was brought up again after it';
    if (entry.spec !== undefined && canonicalJson(now) !== canonicalJson(entry.spec))
      return 'the project was brought up again with another spec';
    return undefined;
  }

  /**
   * Runs `fn` after every earlier `up`, `down` or resumed down of `project` has ended, so
   * none of them removes what another has just made.
   */
  private serial<T>(project: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.projectQueues.get(project) ?? Promise.resolve();
    const next = previous.then(fn);
    const tail = next.then(
      () => {},
      () => {},
    );
    this.projectQueues.set(project, tail);
    void tail.then(() => {
      if (this.projectQueues.get(project) === tail) this.projectQueues.delete(project);
    });
    return next;
  }

  private stopEvents = () => {};

  /** `fizz rollback`, `history` and `events` (ops-api.ts). */
  get ops(): OpsHandlers {
    return {
      rollback: (req, emit, signal) => this.rollback(req, emit, signal),
      history: (project, service) => this.history(project, service),
      events: (query, emit, signal) => this.events.stream(query, emit, signal),
    };
  }

  shutdown(): Promise<void> {
    this.stopEvents();
    return this.reconciler.stop();
  }

  async info(engine: boolean): Promise<InfoResponse> {
    const res: InfoResponse = {
      version: this.o.version,
      apiVersion: 1,
      nodeId: this.o.nodeId,
      pid: process.pid,
      home: this.o.home,
      projects: this.o.state.listProjects(),
    };
    const warnings = this.trust.warnings((p) => this.o.state.knowsProject(p));
    if (warnings.length > 0) res.warnings = warnings;
    if (!engine) return res;
    try {
      res.engine = await this.o.runtime.info();
    } catch (err) {
      res.engineError = engineHelp(err);
    }
    return res;
  }

  private async runPass(
    projects: string[],
    emit: Emit,
    extra: Omit<PassRequest, 'watch'> = {},
  ): Promise<PassResult | string[]> {
    try {
      return await this.reconciler.request({ watch: { projects, emit }, ...extra });
    } catch (err) {
      return [engineHelp(err)];
    }
  }

  async up(req: UpRequest, emit: Emit, signal: AbortSignal): Promise<DoneEvent> {
    const file = req.spec;
    const named = req.services ?? [];
    const unknown = [...named, ...Object.keys(req.scale ?? {})].filter(
      (s) => !Object.hasOwn(file.services, s),
    );
    if (unknown.length > 0)
      return done([
        `project "${file.name}" has no service ${[...new Set(unknown)].map((s) => `"${s}"`).join(', ')}`,
      ]);
    const unique = req.scale ? containerNameScaleError(file, req.scale) : undefined;
    if (unique) return done([unique]);
    const targets = upTargets(file, named, req.noDeps ?? false);
    const foreign = await foreignContainers(this.o.runtime, this.o.state, this.o.nodeId, file.name).catch(
      () => [],
    );
    if (foreign.length > 0) return done([foreignMessage(file.name, foreign)]);
    // After any `down` of the project in progress (a resumed one too): it would remove what this makes.
    const applied = await this.serial(file.name, () => this.applyUp(req, targets, emit));
    if ('type' in applied) return applied;
    const { spec, errors, rolling } = applied;
    const settled = targets.filter((s) => !rolling.has(s));
    if (errors.length === 0) errors.push(...(await this.converge(spec.name, settled, emit, signal)));
    if (errors.length === 0 && rolling.size > 0)
      errors.push(...(await this.awaitRolling(spec.name, rolling, emit, signal)));
    if (req.wait && errors.length === 0)
      errors.push(...(await this.waitHealthy(spec, targets, req.waitTimeoutMs, emit, signal)));
    return done(errors);
  }

  /**
   * In a cluster: waits until the services' replicas run on some node (or are pending),
   * saying where each runs; the lines name the replicas that did not come up in time.
   */
  private async converge(
    project: string,
    services: string[],
    emit: Emit,
    signal: AbortSignal,
  ): Promise<string[]> {
    if (!this.o.clustered?.() || !this.o.memberNames) return [];
    // A replica its node cannot get the image of is pending too, with the node's reason.
    const failed = () =>
      waitingOf(this.o.state.nodeStatuses()).filter(
        (w) => w.slot.startsWith(`${project}/`) && !w.reason.startsWith('pulling image'),
      );
    const missing = await awaitCluster({
      state: this.o.state,
      slots: () => this.reconciler.desiredOf(project).filter((d) => services.includes(d.slot.service)),
      names: this.o.memberNames,
      pending: () =>
        new Set([...this.reconciler.unplaced.map((u) => u.slot), ...failed().map((w) => w.slot)]),
      selfId: this.o.nodeId,
      clock: this.o.clock,
      timeoutMs: this.waitTimeoutMs,
      signal,
      emit,
    });
    const lines = failed()
      .filter((w) => services.includes(w.slot.split('/')[1]!))
      .map((w) => w.reason);
    if (missing.length > 0) lines.push(`not running on any node yet: ${missing.join(', ')}`);
    return [...new Set(lines)];
  }

  /** `up` in its project's queue: the state written durably, then the pass. */
  private async applyUp(
    req: UpRequest,
    targets: string[],
    emit: Emit,
  ): Promise<DoneEvent | { spec: ProjectSpec; errors: string[]; rolling: Map<string, string> }> {
    const file = req.spec;
    const { state } = this.o;
    const sel: UpSelection = { targets };
    if (req.noRecreate) sel.noRecreate = true;
    if (req.scale) sel.scale = req.scale;
    const previous = state.getProject(file.name) as ProjectSpec | undefined;
    let spec: ProjectSpec;
    try {
      spec = desiredProject(file, previous, sel);
      // Secrets and configs are sealed before the project enters the state (secrets/seal.ts).
      if (this.o.objects) spec = await this.o.objects.seal(spec, previous);
      // Each changed service gets a revision and, when it ran before, a rolling update.
      spec = withRevisions(previous, spec, this.writeMeta('up'));
    } catch (err) {
      return done([`project "${file.name}": ${engineHelp(err)}`]);
    }
    const rolling = new Map<string, string>();
    for (const svc of targets) {
      const r = rolloutOf(spec, svc);
      if (r && r.id !== (previous && rolloutOf(previous, svc)?.id)) rolling.set(svc, r.id);
    }
    // Where node-local resources (bind mounts, named volumes) live: the first `up`'s node.
    spec.extensions = {
      ...spec.extensions,
      [ORIGIN_KEY]: (previous && projectOrigin(previous)) ?? this.o.nodeId,
    };
    // A spec that cannot be planned never enters the (durable, gossiped) state.
    const unplannable = planError(spec);
    if (unplannable) return done([`project "${spec.name}": ${unplannable}`]);
    // An `up` after a down that failed half-way: the user wants the project back, so the
    // next agent start must not finish that down.
    await this.downs.remove(spec.name);
    state.putProject(spec);
    this.trust.restore(spec.name);
    if (req.configFiles) await this.projectFiles.set(spec.name, req.configFiles).catch(() => {});
    // `up` runs every service again, as docker compose does. `create` makes the containers
    // of services that were not up yet, stopped; one that runs keeps running.
    for (const svc of Object.keys(spec.services)) {
      if (!targets.includes(svc)) continue;
      if (req.noStart) {
        if (!previous?.services[svc]) state.setServiceStopped(spec.name, svc, true);
      } else if (state.isServiceStopped(spec.name, svc)) state.setServiceStopped(spec.name, svc, false);
    }
    // A `fizz scale` override would win over the spec's replicas: the `up` wins over it, with
    // the file's count (or `--scale`'s), as docker compose's next `up` overrides its `scale`.
    const overrides = overridesAfterUp(spec, targets, (svc) => state.getScale(spec.name, svc));
    for (const [svc, n] of Object.entries(overrides)) state.setScale(spec.name, svc, n);
    await this.o.flush();
    const serviceKeys = targets.map((s) => `${spec.name}/${s}`);
    const extra: Omit<PassRequest, 'watch'> = { rerunExited: serviceKeys };
    if (req.forceRecreate) extra.forceRecreate = serviceKeys;
    if (req.noDeps) extra.ignoreDependencies = serviceKeys;
    if (req.timeout !== undefined) extra.graceMs = { [spec.name]: req.timeout * 1000 };
    // Journaled: an agent killed between removing and making them again finishes it (run()).
    if (req.forceRecreate) await this.recreates.add({ project: spec.name, services: serviceKeys });
    else await this.recreates.remove(spec.name);
    extra.images = imagesOfUp(spec.name, targets, req);
    const pass = await this.runPass([spec.name], emit, extra);
    if (Array.isArray(pass)) return done(pass);
    const errors = [...(pass.errors.get(spec.name) ?? [])];
    if (errors.length === 0) await this.recreates.remove(spec.name);
    const touched = pass.touched.get(spec.name) ?? new Set<string>();
    const isTarget = (c: ContainerInfo) =>
      c.labels[LABELS.project] === spec.name && targets.includes(c.labels[LABELS.service] ?? '');
    for (const c of pass.actual) {
      if (!isTarget(c) || touched.has(c.id) || c.state !== 'running') continue;
      emit({
        type: 'progress',
        resource: 'container',
        name: c.name,
        service: c.labels[LABELS.service] ?? '',
        status: 'running',
      });
    }
    return { spec, errors, rolling };
  }

  /** Who writes a revision: this node, now, and the command. */
  private writeMeta(command: string): { at: number; node: string; nodeName?: string; command: string } {
    const name = this.o.nodeName?.();
    return { at: this.o.clock.now(), node: this.o.nodeId, ...(name ? { nodeName: name } : {}), command };
  }

  /** Follows the rolling updates an `up` or `rollback` wrote until each ends (rollout-wait.ts). */
  private awaitRolling(
    project: string,
    ids: Map<string, string>,
    emit: Emit,
    signal: AbortSignal,
  ): Promise<string[]> {
    return awaitRollouts({
      rollouts: this.rollouts,
      state: this.o.state,
      project,
      ids,
      clock: this.o.clock,
      timeoutMs: this.waitTimeoutMs,
      signal,
      emit,
      kick: () => this.reconciler.kick(),
    });
  }

  /**
   * `fizz rollback [service…]`: each service back one revision (the one before its current),
   * replaced in waves under its rollback_config; no service named: every one that has an
   * earlier revision. Nothing is written when a named service has none.
   */
  rollback(req: RollbackRequest, emit: Emit, signal: AbortSignal): Promise<DoneEvent> {
    return this.serial(req.project, async () => {
      const current = this.o.state.getProject(req.project) as ProjectSpec | undefined;
      if (!current) return done([`no project "${req.project}" in the cluster`]);
      const unknown = req.services.filter((s) => !current.services[s]);
      if (unknown.length > 0)
        return done([`project "${req.project}" has no service ${unknown.map((s) => `"${s}"`).join(', ')}`]);
      const services =
        req.services.length > 0
          ? req.services
          : Object.keys(current.services).filter((s) => historyOf(current, s).length >= 2);
      if (services.length === 0) return done([`no service of "${req.project}" has an earlier revision`]);
      let spec: ProjectSpec;
      try {
        spec = rolledBack(current, services, this.writeMeta('rollback'));
      } catch (err) {
        return done([engineHelp(err)]);
      }
      this.o.state.putProject(spec);
      await this.o.flush();
      const ids = new Map(services.map((s) => [s, rolloutOf(spec, s)!.id]));
      const pass = await this.runPass([req.project], emit, {});
      const errors = Array.isArray(pass) ? pass : [...(pass.errors.get(req.project) ?? [])];
      if (errors.length === 0) errors.push(...(await this.awaitRolling(req.project, ids, emit, signal)));
      return done(errors);
    });
  }

  /** `fizz history <service>`: its revisions, newest last, and its last rolling update. */
  async history(project: string, service: string): Promise<HistoryResponse> {
    const spec = this.o.state.getProject(project) as ProjectSpec | undefined;
    if (!spec?.services[service])
      throw new AgentRequestError(`no service "${service}" in project "${project}"`);
    return historyResponse(spec, project, service, this.rollouts.seen.get(`${project}/${service}`));
  }

  /** `--wait`: every container running and healthy, or a one-shot exited 0. */
  private async waitHealthy(
    spec: ProjectSpec,
    services: string[],
    timeoutMs: number | undefined,
    emit: Emit,
    signal: AbortSignal,
  ): Promise<string[]> {
    const containers = (await this.mine(spec.name)).filter((c) =>
      services.includes(c.labels[LABELS.service] ?? ''),
    );
    const errors: string[] = [];
    await Promise.all(
      containers.map(async (c) => {
        const service = c.labels[LABELS.service] ?? '';
        const svc = spec.services[service];
        const oneShot = svc && (svc.restart === undefined || svc.restart === 'no') && c.state === 'exited';
        try {
          await this.reconciler.waiter.until(
            c.id,
            oneShot ? isCompleted : isHealthy,
            timeoutMs ?? this.waitTimeoutMs,
            signal,
          );
          emit({
            type: 'progress',
            resource: 'container',
            name: c.name,
            service,
            status: oneShot ? 'exited' : 'healthy',
          });
        } catch (err) {
          errors.push(`service "${service}": container ${c.name} ${(err as Error).message}`);
          emit({
            type: 'progress',
            resource: 'container',
            name: c.name,
            service,
            status: 'error',
            detail: (err as Error).message,
          });
        }
      }),
    );
    return errors;
  }

  /**
   * `fizz down`: journaled first (durably), so an agent killed half-way finishes it when it
   * starts again (`run()`). In the project's queue, after any `up` or `down` of it in progress.
   */
  down(req: DownRequest, emit: Emit, _signal?: AbortSignal): Promise<DoneEvent> {
    return this.serial(req.project, () => this.downNow(req, emit));
  }

  /** `journaled`: the spec a resumed down had recorded. */
  private async downNow(req: DownRequest, emit: Emit, journaled?: ProjectSpec): Promise<DoneEvent> {
    const { state, runtime } = this.o;
    this.trust.restore(req.project);
    const spec = (state.getProject(req.project) as ProjectSpec | undefined) ?? journaled;
    const entry: DownEntry = {
      project: req.project,
      volumes: req.volumes ?? false,
      ...(spec ? { spec } : {}),
    };
    try {
      await this.downs.add(entry);
    } catch (err) {
      return done([`the down journal could not be written: ${(err as Error).message}`]);
    }
    if (state.getProject(req.project) !== undefined) {
      state.removeProject(req.project);
      await this.o.flush();
    }
    // From here a project in the state came back after this down (see supersededBy).
    try {
      await this.downs.add({ ...entry, stateRemoved: true });
    } catch (err) {
      return done([`the down journal could not be written: ${(err as Error).message}`]);
    }
    // The reverse dependency order only for a plannable spec: a cycle would have every
    // service wait for another's stop, forever, holding up every later pass.
    const pass = await this.runPass([req.project], emit, {
      manage: [req.project],
      removing: spec && planError(spec) === undefined ? [spec] : [],
      ...(req.timeout !== undefined ? { graceMs: { [req.project]: req.timeout * 1000 } } : {}),
    });
    if (Array.isArray(pass)) return done(pass);
    const errors = [...(pass.errors.get(req.project) ?? [])];
    this.o.faultPoint?.('down-after-containers');
    try {
      await removeOneOffs(runtime, this.o.nodeId, req.project, emit);
      const [left, res] = await Promise.all([
        this.mine(req.project),
        runtime.projectResources(req.project, this.o.nodeId),
      ]);
      if (left.length > 0) errors.push(`containers left behind: ${left.map((c) => c.name).join(', ')}`);
      await Promise.all([
        ...res.networks.map(async (n) => {
          emit({ type: 'progress', resource: 'network', name: n, status: 'removing' });
          await runtime.removeNetwork(n);
          emit({ type: 'progress', resource: 'network', name: n, status: 'removed' });
        }),
        ...(req.volumes ? res.volumes : []).map(async (v) => {
          emit({ type: 'progress', resource: 'volume', name: v, status: 'removing' });
          await runtime.removeVolume(v);
          emit({ type: 'progress', resource: 'volume', name: v, status: 'removed' });
        }),
      ]);
      this.reconciler.forget([...res.networks, ...res.volumes]);
    } catch (err) {
      errors.push(engineHelp(err));
    }
    // Kept when something failed: the next agent start tries again.
    if (errors.length === 0) await this.downs.remove(req.project);
    await this.recreates.remove(req.project);
    // Nothing of this agent's, but another agent's same-named project: say why nothing went.
    const foreign = await foreignContainers(runtime, state, this.o.nodeId, req.project).catch(() => []);
    if (foreign.length > 0 && spec === undefined) errors.push(foreignMessage(req.project, foreign));
    await this.projectFiles.delete(req.project).catch(() => {});
    return done(errors);
  }

  /** This agent's containers of `project` (of every project when undefined): see ownContainers. */
  private mine(project?: string): Promise<ContainerInfo[]> {
    return ownContainers(this.o.runtime, this.o.nodeId, project);
  }

  private services(project: string, services: string[]): string[] | string {
    return pickServices(this.o.state, project, services);
  }

  private async setStopped(req: ServicesRequest, stopped: boolean, emit: Emit): Promise<DoneEvent> {
    const services = this.services(req.project, req.services);
    if (typeof services === 'string') return done([services]);
    for (const s of services) this.o.state.setServiceStopped(req.project, s, stopped);
    await this.o.flush();
    const pass = await this.runPass([req.project], emit, {
      rerunExited: stopped ? [] : services.map((s) => `${req.project}/${s}`),
      ...(req.timeout !== undefined ? { graceMs: { [req.project]: req.timeout * 1000 } } : {}),
    });
    return done(Array.isArray(pass) ? pass : (pass.errors.get(req.project) ?? []));
  }

  start(req: ServicesRequest, emit: Emit): Promise<DoneEvent> {
    return this.setStopped(req, false, emit);
  }

  stop(req: ServicesRequest, emit: Emit): Promise<DoneEvent> {
    return this.setStopped(req, true, emit);
  }

  /**
   * `fizz restart`: restarts the services' containers on the engine, inside the reconciler's
   * exclusive section so no pass recreates, starts or removes them meanwhile. The grace
   * period is `req.timeout` seconds (`-t`) or each service's stop_grace_period.
   */
  restart(req: ServicesRequest, emit: Emit): Promise<DoneEvent> {
    return this.reconciler.exclusive(() => this.restartNow(req, emit));
  }

  private async restartNow(req: ServicesRequest, emit: Emit): Promise<DoneEvent> {
    const services = this.services(req.project, req.services);
    if (typeof services === 'string') return done([services]);
    // A restarted service runs (as with docker compose): a `fizz stop` mark left in place
    // would have the next pass stop it again a moment later.
    const marked = services.filter((s) => this.o.state.isServiceStopped(req.project, s));
    for (const s of marked) this.o.state.setServiceStopped(req.project, s, false);
    if (marked.length > 0) await this.o.flush();
    const errors: string[] = [];
    const spec = this.o.state.getProject(req.project) as ProjectSpec | undefined;
    try {
      const containers = (await this.mine(req.project)).filter((c) =>
        services.includes(c.labels[LABELS.service] ?? ''),
      );
      // Started again by hand: a `fizz kill` hold ends, as with the engine's own policy.
      this.reconciler.release(containers.map((c) => c.id));
      await Promise.all(
        containers.map(async (c) => {
          const service = c.labels[LABELS.service] ?? '';
          emit({ type: 'progress', resource: 'container', name: c.name, service, status: 'restarting' });
          try {
            // -t, else the service's stop_grace_period (ns), as for stop and down, not the engine's 10 s.
            const grace = spec?.services[service]?.stop_grace_period;
            const graceMs =
              req.timeout !== undefined
                ? req.timeout * 1000
                : grace === undefined
                  ? undefined
                  : Math.round(grace / 1e6);
            await this.o.runtime.restart(c.id, graceMs);
            emit({ type: 'progress', resource: 'container', name: c.name, service, status: 'restarted' });
          } catch (err) {
            errors.push(`service "${service}": ${(err as Error).message}`);
          }
        }),
      );
    } catch (err) {
      errors.push(engineHelp(err));
    }
    return done(errors);
  }

  /**
   * `fizz scale web=3`: writes the scale overrides into the state (durably) and runs a pass
   * that brings the services to that many replicas. Nothing is written when a service is
   * unknown. A scaled service runs, as with docker compose's `scale`: its stop mark is cleared.
   */
  async scale(req: ScaleRequest, emit: Emit, signal?: AbortSignal): Promise<DoneEvent> {
    const { state } = this.o;
    const spec = state.getProject(req.project) as ProjectSpec | undefined;
    const invalid = scaleError(req.project, spec, req.scale);
    if (invalid) return done([invalid]);
    const services = Object.keys(req.scale).sort();
    for (const svc of services) {
      state.setScale(req.project, svc, req.scale[svc]!);
      if (state.isServiceStopped(req.project, svc)) state.setServiceStopped(req.project, svc, false);
    }
    await this.o.flush();
    const keys = services.map((s) => `${req.project}/${s}`);
    const pass = await this.runPass([req.project], emit, { rerunExited: keys });
    if (Array.isArray(pass)) return done(pass);
    const touched = pass.touched.get(req.project) ?? new Set<string>();
    for (const c of pass.actual) {
      const service = c.labels[LABELS.service] ?? '';
      if (c.labels[LABELS.project] !== req.project || !services.includes(service)) continue;
      if (touched.has(c.id) || c.state !== 'running' || replicaOf(c) >= (req.scale[service] ?? 0)) continue;
      emit({ type: 'progress', resource: 'container', name: c.name, service, status: 'running' });
    }
    const errors = pass.errors.get(req.project) ?? [];
    if (errors.length === 0 && signal)
      errors.push(...(await this.converge(req.project, services, emit, signal)));
    return done(errors);
  }

  /** `fizz kill [-s SIGNAL]` (see engine-ops.ts: what the loop does with a killed container). */
  kill(req: KillRequest, emit: Emit): Promise<DoneEvent> {
    return this.engineOps.kill(req, emit);
  }

  /** `fizz pause` / `unpause`: the loop leaves paused containers alone. */
  pause(req: ServicesRequest, emit: Emit): Promise<DoneEvent> {
    return this.engineOps.freeze(req, emit, true);
  }

  unpause(req: ServicesRequest, emit: Emit): Promise<DoneEvent> {
    return this.engineOps.freeze(req, emit, false);
  }

  top(project: string, services: string[]): Promise<TopResponse> {
    return this.engineOps.top(project, services);
  }

  images(project: string, services: string[]): Promise<ImagesResponse> {
    return this.engineOps.images(project, services);
  }

  /** `fizz pull` and `fizz build` (images.ts): the project as the file has it, not as the state does. */
  pull(req: PullRequest, emit: Emit, signal: AbortSignal): Promise<DoneEvent> {
    return this.reconciler.images.pullCommand(req, emit, signal);
  }

  build(req: BuildRequest, emit: Emit, signal: AbortSignal): Promise<DoneEvent> {
    return this.reconciler.images.buildCommand(req, emit, signal);
  }

  imageList(): ImageListResponse {
    return this.o.imageCommands?.list() ?? { images: [] };
  }

  imagePush(req: ImagePushRequest, emit: Emit, signal: AbortSignal): Promise<DoneEvent> {
    if (!this.o.imageCommands) throw new AgentRequestError('this agent cannot push images');
    return this.o.imageCommands.push(req, emit, signal);
  }

  async ps(project: string | undefined, all: boolean): Promise<PsResponse> {
    const local = await this.mine(project);
    return psResponse({
      local,
      restarts: await this.restartCounts(local),
      remote: this.o.remotePs?.(project, all) ?? [],
      node: this.o.nodeName?.(),
      // Placement's, and the replicas a node waits to get the image of (its status entry says).
      unplaced: [...this.reconciler.unplaced, ...waitingOf(this.o.state.nodeStatuses())],
      project,
      all,
      ...(this.o.serviceNet ? { answersOn: this.o.serviceNet.answersOn.bind(this.o.serviceNet) } : {}),
    });
  }

  /** `fizz inspect SERVICE`: its replicas wherever they run, and where its ports answer. */
  async inspect(project: string, service: string): Promise<InspectResponse> {
    const found = this.services(project, [service]);
    if (typeof found === 'string') throw new AgentRequestError(found);
    const spec = (this.o.state.getProject(project) as ProjectSpec).services[service]!;
    const net = this.o.serviceNet;
    const endpoints =
      net?.endpoints(project, service) ??
      localEndpoints(await this.mine(project), service, this.o.nodeName?.() ?? LOCAL_NODE);
    return inspectService({ project, service, spec, endpoints, net });
  }

  /** PsEntry.restarts of each container: the engine's count (one inspect each) plus the agent's heals of its slot. */
  private async restartCounts(containers: ContainerInfo[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    await Promise.all(
      containers.map(async (c) => {
        const engine = await this.o.runtime.inspect(c.id).catch(() => undefined);
        const slot = slotOfLabels(c.labels);
        out.set(c.id, (engine?.restartCount ?? 0) + (slot ? this.reconciler.healCount(keyOf(slot)) : 0));
      }),
    );
    return out;
  }

  async logs(query: LogsQuery, emit: (event: LogEvent) => void, signal: AbortSignal): Promise<void> {
    const list = async () =>
      (await this.mine(query.project)).filter(
        (c) => query.services.length === 0 || query.services.includes(c.labels[LABELS.service] ?? ''),
      );
    if (!query.follow) return mergeLogs(this.o.runtime, await list(), query, emit, signal);
    await followLogs(this.o.runtime, query, emit, signal, {
      list,
      relistMs: this.o.logsRelistMs ?? 2000,
      idleMs: this.o.logsIdleMs ?? 5000,
      now: () => this.o.clock.now(),
      sleep: (ms, s) => this.o.clock.sleep(ms, s),
    });
  }

  /** `fizz exec`: starts the command in the replica's running container (see exec.ts). */
  async exec(req: ExecRequest): Promise<ExecSession> {
    const spec = this.o.state.getProject(req.project) as ProjectSpec | undefined;
    // Who ran what where, without the command line (it may carry secrets).
    const { project, service, index, tty, detach } = req;
    this.o.logger.info({ project, service, index, tty, detach }, 'exec');
    return startExec(this.o.runtime, spec, req, this.o.nodeId);
  }

  /** `fizz ls`: the projects in the state and those with containers this agent made. */
  async ls(all: boolean): Promise<LsResponse> {
    const mine = await this.mine();
    return {
      projects: listProjects(this.o.state.listProjects(), mine, (p) => this.projectFiles.get(p), all),
    };
  }
}
