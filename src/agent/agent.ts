/**
 * The agent: the one process that talks to the container engine. It writes what the user
 * asks into ClusterState (durably, before acknowledging), lets the reconcile loop make it
 * so, and answers the local API. Every collaborator is handed in. This class is the facade:
 * the operations live in agent-up.ts, agent-down.ts, agent-services.ts, agent-rollback.ts,
 * agent-waits.ts and agent-queries.ts, over what they share (agent-core.ts).
 */
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
  PsResponse,
  PullRequest,
  ScaleRequest,
  ServicesRequest,
  TopResponse,
  UpRequest,
} from '../api/protocol.js';
import type { ObjectHandlers } from '../api/secrets-api.js';
import type { ApiHandlers, Emit, LogsQuery } from '../api/server.js';
import type { ExecSession } from '../runtime/types.js';
import { type AgentCore, ProjectQueues } from './agent-core.js';
import { down, resumeDowns } from './agent-down.js';
import type { AgentOptions } from './agent-options.js';
import * as queries from './agent-queries.js';
import { history, rollback } from './agent-rollback.js';
import { restart, scale, setStopped } from './agent-services.js';
import { resumeRecreates, up } from './agent-up.js';
import { MemoryDownJournal } from './down-journal.js';
import { AgentRequestError, EngineOps } from './engine-ops.js';
import { EventSources } from './event-sources.js';
import { EventLog } from './events.js';
import { MemoryProjectFiles } from './project-files.js';
import { Reconciler, type ReconcilerOptions } from './reconciler.js';
import { MemoryRecreateJournal } from './recreate-journal.js';
import { RestartCounts } from './restart-counts.js';
import { Rollouts } from './rollouts.js';
import { StateTrust } from './trust.js';

export type { AgentOptions } from './agent-options.js';

export class Agent implements ApiHandlers {
  readonly reconciler: Reconciler;
  /** Rolling updates: where each stands, as this node's passes see it (rollouts.ts). */
  readonly rollouts: Rollouts;
  /** `fizz events`: this node's bounded log of the cluster's events (events.ts). */
  readonly events: EventLog;
  readonly eventSources: EventSources;
  readonly cluster?: ClusterHandlers;
  readonly objects?: ObjectHandlers;
  private readonly engineOps: EngineOps;
  /** What the operations share (agent-core.ts). */
  private readonly core: AgentCore;
  private stopEvents = () => {};

  constructor(private readonly o: AgentOptions) {
    const queues = new ProjectQueues();
    const trust = o.trust ?? new StateTrust();
    const engineRestarts = new RestartCounts((id) => o.runtime.inspect(id), o.clock);
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
      onEngineEvent: (ev) => {
        engineRestarts.onEvent(ev.containerId);
        this.eventSources.onEngine(ev);
      },
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
        trust.guard(actions, {
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
    this.core = {
      o,
      reconciler: this.reconciler,
      rollouts: this.rollouts,
      trust,
      downs: o.downs ?? new MemoryDownJournal(),
      recreates: o.recreates ?? new MemoryRecreateJournal(),
      projectFiles: o.projectFiles ?? new MemoryProjectFiles(),
      waitTimeoutMs: o.waitTimeoutMs ?? 120_000,
      engineRestarts,
      serial: (project, fn) => queues.serial(project, fn),
    };
    if (o.cluster) this.cluster = o.cluster;
    if (o.objects) this.objects = o.objects;
  }

  /**
   * Starts the loops; the first pass adopts whatever already runs. Then finishes every
   * `fizz down` an earlier agent journaled and did not finish; resolves once they are done.
   */
  run(): Promise<void> {
    this.stopEvents = this.eventSources.start();
    this.reconciler.start();
    this.reconciler.kick();
    return resumeDowns(this.core).then(() => resumeRecreates(this.core));
  }

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

  info(engine: boolean): Promise<InfoResponse> {
    return queries.info(this.core, engine);
  }

  up(req: UpRequest, emit: Emit, signal: AbortSignal): Promise<DoneEvent> {
    return up(this.core, req, emit, signal);
  }

  /**
   * `fizz rollback [service…]`: each service back one revision (the one before its current),
   * replaced in waves under its rollback_config.
   */
  rollback(req: RollbackRequest, emit: Emit, signal: AbortSignal): Promise<DoneEvent> {
    return rollback(this.core, req, emit, signal);
  }

  /** `fizz history <service>`: its revisions, newest last, and its last rolling update. */
  history(project: string, service: string): Promise<HistoryResponse> {
    return history(this.core, project, service);
  }

  /** `fizz down`: journaled, in the project's queue (agent-down.ts). */
  down(req: DownRequest, emit: Emit, _signal?: AbortSignal): Promise<DoneEvent> {
    return down(this.core, req, emit);
  }

  start(req: ServicesRequest, emit: Emit): Promise<DoneEvent> {
    return setStopped(this.core, req, false, emit);
  }

  stop(req: ServicesRequest, emit: Emit): Promise<DoneEvent> {
    return setStopped(this.core, req, true, emit);
  }

  /** `fizz restart`: on the engine, in the reconciler's exclusive section (agent-services.ts). */
  restart(req: ServicesRequest, emit: Emit): Promise<DoneEvent> {
    return restart(this.core, req, emit);
  }

  /** `fizz scale web=3`: the overrides written durably, then a pass (agent-services.ts). */
  scale(req: ScaleRequest, emit: Emit, signal?: AbortSignal): Promise<DoneEvent> {
    return scale(this.core, req, emit, signal);
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

  ps(project: string | undefined, all: boolean): Promise<PsResponse> {
    return queries.ps(this.core, project, all);
  }

  /** `fizz inspect SERVICE`: its replicas wherever they run, and where its ports answer. */
  inspect(project: string, service: string): Promise<InspectResponse> {
    return queries.inspect(this.core, project, service);
  }

  logs(query: LogsQuery, emit: (event: LogEvent) => void, signal: AbortSignal): Promise<void> {
    return queries.logs(this.core, query, emit, signal);
  }

  /** `fizz exec`: starts the command in the replica's running container (see exec.ts). */
  exec(req: ExecRequest): Promise<ExecSession> {
    return queries.exec(this.core, req);
  }

  /** `fizz ls`: the projects in the state and those with containers this agent made. */
  ls(all: boolean): Promise<LsResponse> {
    return queries.ls(this.core, all);
  }
}
