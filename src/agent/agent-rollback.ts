/** The agent's rolling-update glue: `fizz rollback`, `fizz history`, and following a rollout to its end. */
import type { HistoryResponse, RollbackRequest } from '../api/ops-api.js';
import type { DoneEvent } from '../api/protocol.js';
import type { Emit } from '../api/server.js';
import type { ProjectSpec } from '../compose/types.js';
import { historyOf, rolledBack, rolloutOf } from '../reconcile/revisions.js';
import { type AgentCore, done, runPass, writeMeta } from './agent-core.js';
import { AgentRequestError } from './engine-ops.js';
import { historyResponse } from './history.js';
import { engineHelp } from './reconciler.js';
import { awaitRollouts } from './rollout-wait.js';

/** Follows the rolling updates an `up` or `rollback` wrote until each ends (rollout-wait.ts). */
export function awaitRolling(
  core: AgentCore,
  project: string,
  ids: Map<string, string>,
  emit: Emit,
  signal: AbortSignal,
): Promise<string[]> {
  return awaitRollouts({
    rollouts: core.rollouts,
    state: core.o.state,
    project,
    ids,
    clock: core.o.clock,
    timeoutMs: core.waitTimeoutMs,
    signal,
    emit,
    kick: () => core.reconciler.kick(),
  });
}

/**
 * `fizz rollback [service…]`: each service back one revision (the one before its current),
 * replaced in waves under its rollback_config; no service named: every one that has an
 * earlier revision. Nothing is written when a named service has none.
 */
export function rollback(
  core: AgentCore,
  req: RollbackRequest,
  emit: Emit,
  signal: AbortSignal,
): Promise<DoneEvent> {
  return core.serial(req.project, async () => {
    const current = core.o.state.getProject(req.project) as ProjectSpec | undefined;
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
      spec = rolledBack(current, services, writeMeta(core, 'rollback'));
    } catch (err) {
      return done([engineHelp(err)]);
    }
    core.o.state.putProject(spec);
    await core.o.flush();
    const ids = new Map(services.map((s) => [s, rolloutOf(spec, s)!.id]));
    const pass = await runPass(core, [req.project], emit, {});
    const errors = Array.isArray(pass) ? pass : [...(pass.errors.get(req.project) ?? [])];
    if (errors.length === 0) errors.push(...(await awaitRolling(core, req.project, ids, emit, signal)));
    return done(errors);
  });
}

/** `fizz history <service>`: its revisions, newest last, and its last rolling update. */
export async function history(core: AgentCore, project: string, service: string): Promise<HistoryResponse> {
  const spec = core.o.state.getProject(project) as ProjectSpec | undefined;
  if (!spec?.services[service])
    throw new AgentRequestError(`no service "${service}" in project "${project}"`);
  return historyResponse(spec, project, service, core.rollouts.seen.get(`${project}/${service}`));
}
