/**
 * What an operation waits for once its pass is over: in a cluster, the replicas running on
 * some node; with `--wait`, every container healthy (or a one-shot exited 0).
 */
import type { Emit } from '../api/server.js';
import type { ProjectSpec } from '../compose/types.js';
import { type ContainerInfo, LABELS, slotKey } from '../runtime/types.js';
import { type AgentCore, mine } from './agent-core.js';
import { awaitCluster } from './cluster/converge.js';
import { replicaOf } from './container-ops.js';
import { waitingOf } from './image-waits.js';
import { isCompleted, isHealthy } from './waiter.js';

/**
 * In a cluster: waits until the services' replicas run on some node (or are pending),
 * saying where each runs; the lines name the replicas that did not come up in time.
 */
async function converge(
  core: AgentCore,
  project: string,
  services: string[],
  emit: Emit,
  signal: AbortSignal,
): Promise<string[]> {
  if (!core.o.clustered?.() || !core.o.memberNames) return [];
  // A replica its node cannot get the image of is pending too, with the node's reason.
  const failed = () =>
    waitingOf(core.o.state.nodeStatuses()).filter(
      (w) => w.slot.startsWith(`${project}/`) && !w.reason.startsWith('pulling image'),
    );
  const missing = await awaitCluster({
    state: core.o.state,
    project,
    services,
    slots: () => core.reconciler.desiredOf(project).filter((d) => services.includes(d.slot.service)),
    names: core.o.memberNames,
    pending: () => new Set([...core.reconciler.unplaced.map((u) => u.slot), ...failed().map((w) => w.slot)]),
    selfId: core.o.nodeId,
    clock: core.o.clock,
    timeoutMs: core.waitTimeoutMs,
    signal,
    emit,
  });
  const lines = failed()
    .filter((w) => services.includes(w.slot.split('/')[1]!))
    .map((w) => w.reason);
  if (missing.length > 0) lines.push(`not running on any node yet: ${missing.join(', ')}`);
  return [...new Set(lines)];
}

/**
 * In a cluster, after the pass of `up` or `scale`: the replicas run somewhere (converge) while
 * this node's scaled-away ones drain and go (awaitLeaving), at once — converge also waits for
 * those to go, and awaitLeaving must list them before they do. Returns converge's lines.
 */
export async function settle(
  core: AgentCore,
  project: string,
  services: string[],
  emit: Emit,
  signal: AbortSignal,
): Promise<string[]> {
  const [lines] = await Promise.all([
    converge(core, project, services, emit, signal),
    awaitLeaving(core, project, services, emit, signal),
  ]);
  return lines;
}

/** Whether a container of `project` is a replica of `services` that no slot wants any more. */
export function scaledAway(
  core: AgentCore,
  project: string,
  services: string[],
): (c: ContainerInfo) => boolean {
  const wanted = new Set(core.reconciler.desiredOf(project).map((d) => slotKey(d.slot)));
  return (c) => {
    const service = c.labels[LABELS.service] ?? '';
    const slot = { project, service, replica: replicaOf(c) };
    return services.includes(service) && c.labels[LABELS.slot] !== undefined && !wanted.has(slotKey(slot));
  };
}

/**
 * The replicas of the services on this node that no slot wants any more (scaled away) and
 * that still run after the pass: in a cluster they drain before they stop (handoff.ts).
 * Says so, then waits until each is gone and says that too, so `fizz scale` and `up` end
 * as docker compose's do.
 */
async function awaitLeaving(
  core: AgentCore,
  project: string,
  services: string[],
  emit: Emit,
  signal: AbortSignal,
): Promise<void> {
  const leaving = scaledAway(core, project, services);
  let left = (await mine(core, project)).filter((c) => c.state === 'running' && leaving(c));
  const say = (c: ContainerInfo, status: 'removing' | 'removed', detail?: string) =>
    emit({
      type: 'progress',
      resource: 'container',
      name: c.name,
      service: c.labels[LABELS.service] ?? '',
      status,
      ...(detail ? { detail } : {}),
    });
  for (const c of left) say(c, 'removing', 'draining');
  const deadline = core.o.clock.now() + core.waitTimeoutMs;
  while (left.length > 0 && !signal.aborted && core.o.clock.now() < deadline) {
    await core.o.clock.sleep(200, signal).catch(() => {});
    const still = new Set((await mine(core, project)).map((c) => c.id));
    for (const c of left) if (!still.has(c.id)) say(c, 'removed');
    left = left.filter((c) => still.has(c.id));
  }
}

/** `--wait`: every container running and healthy, or a one-shot exited 0. */
export async function waitHealthy(
  core: AgentCore,
  spec: ProjectSpec,
  services: string[],
  timeoutMs: number | undefined,
  emit: Emit,
  signal: AbortSignal,
): Promise<string[]> {
  const containers = (await mine(core, spec.name)).filter((c) =>
    services.includes(c.labels[LABELS.service] ?? ''),
  );
  const errors: string[] = [];
  await Promise.all(
    containers.map(async (c) => {
      const service = c.labels[LABELS.service] ?? '';
      const svc = spec.services[service];
      const oneShot = svc && (svc.restart === undefined || svc.restart === 'no') && c.state === 'exited';
      try {
        await core.reconciler.waiter.until(
          c.id,
          oneShot ? isCompleted : isHealthy,
          timeoutMs ?? core.waitTimeoutMs,
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
