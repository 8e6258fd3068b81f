/**
 * The commands that act on or read the engine's containers of some services without
 * changing the desired state: `fizz kill`, `pause`, `unpause`, `top`, `images`. They run
 * in the reconciler's exclusive section when they act, so no pass races them.
 */
import type { ClusterState } from '../../crdt/index.js';
import type {
  DoneEvent,
  ImagesResponse,
  KillRequest,
  ServicesRequest,
  TopResponse,
} from '../api/protocol.js';
import type { ProjectSpec } from '../compose/types.js';
import { type ContainerInfo, LABELS, type Runtime } from '../runtime/types.js';
import { type Emit, eachContainer, imagesOf, killStops, topOf } from './container-ops.js';
import type { Reconciler } from './reconciler.js';

/** A request about a project or services the state does not have (answered 404). */
export class AgentRequestError extends Error {
  override readonly name = 'AgentRequestError';
}

function done(errors: string[]): DoneEvent {
  return { type: 'done', ok: errors.length === 0, errors };
}

/** The named services of a project that is up (every service when none is named), or why not. */
export function pickServices(state: ClusterState, project: string, services: string[]): string[] | string {
  const spec = state.getProject(project) as ProjectSpec | undefined;
  if (!spec) return `project "${project}" is not up`;
  const unknown = services.filter((s) => !Object.hasOwn(spec.services, s));
  if (unknown.length) return `project "${project}" has no service ${unknown.map((s) => `"${s}"`).join(', ')}`;
  return services.length ? services : Object.keys(spec.services);
}

/**
 * The containers of `project` (all projects when undefined) that this agent made (its node
 * id in `fizz.node`): another agent (another FIZZ_HOME) may run a project of the same name
 * on the same engine, and its containers are none of this agent's business.
 */
export async function ownContainers(
  runtime: Pick<Runtime, 'list'>,
  nodeId: string,
  project?: string,
): Promise<ContainerInfo[]> {
  return (await runtime.list(project)).filter((c) => c.labels[LABELS.node] === nodeId);
}

type Section = Pick<Reconciler, 'exclusive' | 'hold' | 'release'>;

export class EngineOps {
  constructor(
    private readonly state: ClusterState,
    private readonly runtime: Runtime,
    private readonly reconciler: Section,
    private readonly nodeId: string,
  ) {}

  /** The containers of some services of a project that is up (all services when none is named). */
  private async containersOf(project: string, named: string[]): Promise<ContainerInfo[] | string> {
    const services = pickServices(this.state, project, named);
    if (typeof services === 'string') return services;
    return (await ownContainers(this.runtime, this.nodeId, project)).filter((c) =>
      services.includes(c.labels[LABELS.service] ?? ''),
    );
  }

  /**
   * `fizz kill [-s SIGNAL]`: signals the running containers of the services. A container
   * ended this way (SIGKILL or its stop signal) stays exited whatever its restart policy, as
   * the engine treats it as stopped by hand, until `fizz up`, `start` or `restart`.
   */
  kill(req: KillRequest, emit: Emit): Promise<DoneEvent> {
    return this.reconciler.exclusive(async () => {
      const signal = req.signal ?? 'SIGKILL';
      const found = await this.containersOf(req.project, req.services);
      if (typeof found === 'string') return done([found]);
      const spec = this.state.getProject(req.project) as ProjectSpec | undefined;
      const running = found.filter((c) => c.state === 'running');
      const stopping = running.filter((c) =>
        killStops(signal, spec?.services[c.labels[LABELS.service] ?? '']),
      );
      // Held before the signal: the `die` it causes must find the hold in place.
      this.reconciler.hold(stopping.map((c) => c.id));
      const { errors, done: killed } = await eachContainer(running, ['killing', 'killed'], emit, (c) =>
        this.runtime.kill(c.id, signal),
      );
      const signalled = new Set(killed.map((c) => c.id));
      this.reconciler.release(stopping.filter((c) => !signalled.has(c.id)).map((c) => c.id));
      return done(errors);
    });
  }

  /** `fizz pause` / `unpause`: freezes or thaws the services' containers. The loop leaves paused ones alone. */
  freeze(req: ServicesRequest, emit: Emit, pause: boolean): Promise<DoneEvent> {
    return this.reconciler.exclusive(async () => {
      const found = await this.containersOf(req.project, req.services);
      if (typeof found === 'string') return done([found]);
      const targets = found.filter((c) => c.state === (pause ? 'running' : 'paused'));
      const { errors } = await eachContainer(
        targets,
        pause ? ['pausing', 'paused'] : ['unpausing', 'unpaused'],
        emit,
        (c) => (pause ? this.runtime.pause(c.id) : this.runtime.unpause(c.id)),
      );
      return done(errors);
    });
  }

  /** `fizz top`: the processes of the services' running containers. */
  async top(project: string, services: string[]): Promise<TopResponse> {
    const found = await this.containersOf(project, services);
    if (typeof found === 'string') throw new AgentRequestError(found);
    return { containers: await topOf(this.runtime, found) };
  }

  /** `fizz images`: the image of each of the project's containers. */
  async images(project: string, services: string[]): Promise<ImagesResponse> {
    const found = await this.containersOf(project, services);
    if (typeof found === 'string') throw new AgentRequestError(found);
    return { images: await imagesOf(this.runtime, found) };
  }
}
