/** The agent's read-only answers: `fizz info`, `ps`, `inspect`, `logs`, `ls`; and `exec`. */
import type {
  ExecRequest,
  InfoResponse,
  InspectResponse,
  LogEvent,
  LsResponse,
  PsResponse,
} from '../api/protocol.js';
import type { LogsQuery } from '../api/server.js';
import type { ProjectSpec } from '../compose/types.js';
import { keyOf, slotOfLabels } from '../reconcile/index.js';
import { type ContainerInfo, type ExecSession, LABELS } from '../runtime/types.js';
import { type AgentCore, mine } from './agent-core.js';
import { AgentRequestError, pickServices } from './engine-ops.js';
import { startExec } from './exec.js';
import { waitingOf } from './image-waits.js';
import { inspectService, LOCAL_NODE, localEndpoints } from './inspect.js';
import { followLogs, mergeLogs } from './logs.js';
import { listProjects } from './ls.js';
import { psResponse } from './ps.js';
import { engineHelp } from './reconciler.js';

export async function info(core: AgentCore, engine: boolean): Promise<InfoResponse> {
  const res: InfoResponse = {
    version: core.o.version,
    apiVersion: 1,
    nodeId: core.o.nodeId,
    pid: process.pid,
    home: core.o.home,
    projects: core.o.state.listProjects(),
  };
  const warnings = core.trust.warnings((p) => core.o.state.knowsProject(p));
  if (warnings.length > 0) res.warnings = warnings;
  if (!engine) return res;
  try {
    res.engine = await core.o.runtime.info();
  } catch (err) {
    res.engineError = engineHelp(err);
  }
  return res;
}

export async function ps(core: AgentCore, project: string | undefined, all: boolean): Promise<PsResponse> {
  const local = await mine(core, project);
  return psResponse({
    local,
    restarts: await restartCounts(core, local),
    remote: core.o.remotePs?.(project, all) ?? [],
    node: core.o.nodeName?.(),
    // Placement's, and the replicas a node waits to get the image of (its status entry says).
    unplaced: [...core.reconciler.unplaced, ...waitingOf(core.o.state.nodeStatuses())],
    project,
    all,
    ...(core.o.serviceNet ? { answersOn: core.o.serviceNet.answersOn.bind(core.o.serviceNet) } : {}),
  });
}

/** `fizz inspect SERVICE`: its replicas wherever they run, and where its ports answer. */
export async function inspect(core: AgentCore, project: string, service: string): Promise<InspectResponse> {
  const found = pickServices(core.o.state, project, [service]);
  if (typeof found === 'string') throw new AgentRequestError(found);
  const spec = (core.o.state.getProject(project) as ProjectSpec).services[service]!;
  const net = core.o.serviceNet;
  const endpoints =
    net?.endpoints(project, service) ??
    localEndpoints(await mine(core, project), service, core.o.nodeName?.() ?? LOCAL_NODE);
  return inspectService({ project, service, spec, endpoints, net });
}

/** PsEntry.restarts of each container: the engine's count (restart-counts.ts) plus the agent's heals of its slot. */
async function restartCounts(core: AgentCore, containers: ContainerInfo[]): Promise<Map<string, number>> {
  const engine = await core.engineRestarts.counts(containers.map((c) => c.id));
  const out = new Map<string, number>();
  for (const c of containers) {
    const slot = slotOfLabels(c.labels);
    out.set(c.id, (engine.get(c.id) ?? 0) + (slot ? core.reconciler.healCount(keyOf(slot)) : 0));
  }
  return out;
}

export async function logs(
  core: AgentCore,
  query: LogsQuery,
  emit: (event: LogEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  const list = async () =>
    (await mine(core, query.project)).filter(
      (c) => query.services.length === 0 || query.services.includes(c.labels[LABELS.service] ?? ''),
    );
  if (!query.follow) return mergeLogs(core.o.runtime, await list(), query, emit, signal);
  await followLogs(core.o.runtime, query, emit, signal, {
    list,
    relistMs: core.o.logsRelistMs ?? 2000,
    idleMs: core.o.logsIdleMs ?? 5000,
    now: () => core.o.clock.now(),
    sleep: (ms, s) => core.o.clock.sleep(ms, s),
  });
}

/** `fizz exec`: starts the command in the replica's running container (see exec.ts). */
export async function exec(core: AgentCore, req: ExecRequest): Promise<ExecSession> {
  const spec = core.o.state.getProject(req.project) as ProjectSpec | undefined;
  // Who ran what where, without the command line (it may carry secrets).
  const { project, service, index, tty, detach } = req;
  core.o.logger.info({ project, service, index, tty, detach }, 'exec');
  return startExec(core.o.runtime, spec, req, core.o.nodeId);
}

/** `fizz ls`: the projects in the state and those with containers this agent made. */
export async function ls(core: AgentCore, all: boolean): Promise<LsResponse> {
  const own = await mine(core);
  return {
    projects: listProjects(core.o.state.listProjects(), own, (p) => core.projectFiles.get(p), all),
  };
}
