/** `fizz start`, `stop`, `restart` and `scale`: what they write into the state, and their pass. */
import type { DoneEvent, ScaleRequest, ServicesRequest } from '../api/protocol.js';
import type { Emit } from '../api/server.js';
import type { ProjectSpec } from '../compose/types.js';
import { LABELS } from '../runtime/types.js';
import { type AgentCore, done, mine, runPass } from './agent-core.js';
import { settle } from './agent-waits.js';
import { replicaOf } from './container-ops.js';
import { pickServices } from './engine-ops.js';
import { engineHelp } from './reconciler.js';
import { scaleError } from './scale.js';

export async function setStopped(
  core: AgentCore,
  req: ServicesRequest,
  stopped: boolean,
  emit: Emit,
): Promise<DoneEvent> {
  const services = pickServices(core.o.state, req.project, req.services);
  if (typeof services === 'string') return done([services]);
  for (const s of services) core.o.state.setServiceStopped(req.project, s, stopped);
  await core.o.flush();
  const pass = await runPass(core, [req.project], emit, {
    rerunExited: stopped ? [] : services.map((s) => `${req.project}/${s}`),
    ...(req.timeout !== undefined ? { graceMs: { [req.project]: req.timeout * 1000 } } : {}),
  });
  return done(Array.isArray(pass) ? pass : (pass.errors.get(req.project) ?? []));
}

/**
 * `fizz restart`: restarts the services' containers on the engine, inside the reconciler's
 * exclusive section so no pass recreates, starts or removes them meanwhile. The grace
 * period is `req.timeout` seconds (`-t`) or each service's stop_grace_period.
 */
export function restart(core: AgentCore, req: ServicesRequest, emit: Emit): Promise<DoneEvent> {
  return core.reconciler.exclusive(() => restartNow(core, req, emit));
}

async function restartNow(core: AgentCore, req: ServicesRequest, emit: Emit): Promise<DoneEvent> {
  const services = pickServices(core.o.state, req.project, req.services);
  if (typeof services === 'string') return done([services]);
  // A restarted service runs (as with docker compose): a `fizz stop` mark left in place
  // would have the next pass stop it again a moment later.
  const marked = services.filter((s) => core.o.state.isServiceStopped(req.project, s));
  for (const s of marked) core.o.state.setServiceStopped(req.project, s, false);
  if (marked.length > 0) await core.o.flush();
  const errors: string[] = [];
  const spec = core.o.state.getProject(req.project) as ProjectSpec | undefined;
  try {
    const containers = (await mine(core, req.project)).filter((c) =>
      services.includes(c.labels[LABELS.service] ?? ''),
    );
    // Started again by hand: a `fizz kill` hold ends, as with the engine's own policy.
    core.reconciler.release(containers.map((c) => c.id));
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
          await core.o.runtime.restart(c.id, graceMs);
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
export async function scale(
  core: AgentCore,
  req: ScaleRequest,
  emit: Emit,
  signal?: AbortSignal,
): Promise<DoneEvent> {
  const { state } = core.o;
  const spec = state.getProject(req.project) as ProjectSpec | undefined;
  const invalid = scaleError(req.project, spec, req.scale);
  if (invalid) return done([invalid]);
  const services = Object.keys(req.scale).sort();
  for (const svc of services) {
    state.setScale(req.project, svc, req.scale[svc]!);
    if (state.isServiceStopped(req.project, svc)) state.setServiceStopped(req.project, svc, false);
  }
  await core.o.flush();
  const keys = services.map((s) => `${req.project}/${s}`);
  const pass = await runPass(core, [req.project], emit, { rerunExited: keys });
  if (Array.isArray(pass)) return done(pass);
  const touched = pass.touched.get(req.project) ?? new Set<string>();
  for (const c of pass.actual) {
    const service = c.labels[LABELS.service] ?? '';
    if (c.labels[LABELS.project] !== req.project || !services.includes(service)) continue;
    if (touched.has(c.id) || c.state !== 'running' || replicaOf(c) >= (req.scale[service] ?? 0)) continue;
    emit({ type: 'progress', resource: 'container', name: c.name, service, status: 'running' });
  }
  const errors = pass.errors.get(req.project) ?? [];
  if (errors.length === 0 && signal) {
    // Replicas scaled away drain before they go (in a cluster): waited for, and said.
    errors.push(...(await settle(core, req.project, services, emit, signal)));
  }
  return done(errors);
}
