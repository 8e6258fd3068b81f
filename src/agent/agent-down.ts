/**
 * `fizz down`: journaled first (down-journal.ts), the project out of the state, its containers
 * removed by a pass in reverse dependency order, then its networks and volumes; and the
 * downs an earlier agent journaled and did not finish.
 */
import type { DoneEvent, DownRequest } from '../api/protocol.js';
import type { Emit } from '../api/server.js';
import type { ProjectSpec } from '../compose/types.js';
import { canonicalJson } from '../reconcile/index.js';
import { type AgentCore, done, mine, planError, runPass } from './agent-core.js';
import type { DownEntry } from './down-journal.js';
import { foreignContainers, foreignMessage } from './foreign.js';
import { removeOneOffs } from './oneoffs.js';
import { engineHelp } from './reconciler.js';

export async function resumeDowns(core: AgentCore): Promise<void> {
  for (const { project } of core.downs.list()) {
    // In the project's queue: an `up` or `down` of it that arrives meanwhile waits for this one.
    await core.serial(project, async () => {
      // An `up` of the project since this agent started cancelled the down.
      const entry = core.downs.list().find((e) => e.project === project);
      if (!entry) return;
      const later = supersededBy(core, entry);
      if (later) {
        core.o.logger.info({ project }, `interrupted down dropped: ${later}`);
        await core.downs.remove(project);
        return;
      }
      core.o.logger.info({ project, volumes: entry.volumes }, 'finishing an interrupted down');
      const done = await downNow(core, { project, volumes: entry.volumes }, () => {}, entry.spec);
      if (!done.ok) core.o.logger.warn({ project, errors: done.errors }, 'interrupted down not finished');
    });
  }
}

/**
 * Why a journaled down must not be finished, if so: the state holds the project again
 * after the down removed it (a removal wins over every older definition, so whatever is
 * there now came later: an `up`, maybe on another node), or, for a down that had not
 * removed it yet, holds another spec than the one the down began with.
 */
function supersededBy(core: AgentCore, entry: DownEntry): string | undefined {
  const now = core.o.state.getProject(entry.project);
  if (now === undefined) return undefined;
  if (entry.stateRemoved) return 'the project was brought up again after it';
  if (entry.spec !== undefined && canonicalJson(now) !== canonicalJson(entry.spec))
    return 'the project was brought up again with another spec';
  return undefined;
}

/**
 * `fizz down`: journaled first (durably), so an agent killed half-way finishes it when it
 * starts again (`run()`). In the project's queue, after any `up` or `down` of it in progress.
 */
export function down(core: AgentCore, req: DownRequest, emit: Emit): Promise<DoneEvent> {
  return core.serial(req.project, () => downNow(core, req, emit));
}

/** `journaled`: the spec a resumed down had recorded. */
async function downNow(
  core: AgentCore,
  req: DownRequest,
  emit: Emit,
  journaled?: ProjectSpec,
): Promise<DoneEvent> {
  const { state, runtime } = core.o;
  core.trust.restore(req.project);
  const spec = (state.getProject(req.project) as ProjectSpec | undefined) ?? journaled;
  const entry: DownEntry = {
    project: req.project,
    volumes: req.volumes ?? false,
    ...(spec ? { spec } : {}),
  };
  try {
    await core.downs.add(entry);
  } catch (err) {
    return done([`the down journal could not be written: ${(err as Error).message}`]);
  }
  if (state.getProject(req.project) !== undefined) {
    state.removeProject(req.project);
    await core.o.flush();
  }
  // From here a project in the state came back after this down (see supersededBy).
  try {
    await core.downs.add({ ...entry, stateRemoved: true });
  } catch (err) {
    return done([`the down journal could not be written: ${(err as Error).message}`]);
  }
  // The reverse dependency order only for a plannable spec: a cycle would have every
  // service wait for another's stop, forever, holding up every later pass.
  const pass = await runPass(core, [req.project], emit, {
    manage: [req.project],
    removing: spec && planError(spec) === undefined ? [spec] : [],
    ...(req.timeout !== undefined ? { graceMs: { [req.project]: req.timeout * 1000 } } : {}),
  });
  if (Array.isArray(pass)) return done(pass);
  const errors = [...(pass.errors.get(req.project) ?? [])];
  core.o.faultPoint?.('down-after-containers');
  try {
    await removeOneOffs(runtime, core.o.nodeId, req.project, emit);
    const [left, res] = await Promise.all([
      mine(core, req.project),
      runtime.projectResources(req.project, core.o.nodeId),
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
    core.reconciler.forget([...res.networks, ...res.volumes]);
  } catch (err) {
    errors.push(engineHelp(err));
  }
  // Kept when something failed: the next agent start tries again.
  if (errors.length === 0) await core.downs.remove(req.project);
  await core.recreates.remove(req.project);
  // Nothing of this agent's, but another agent's same-named project: say why nothing went.
  const foreign = await foreignContainers(runtime, state, core.o.nodeId, req.project).catch(() => []);
  if (foreign.length > 0 && spec === undefined) errors.push(foreignMessage(req.project, foreign));
  await core.projectFiles.delete(req.project).catch(() => {});
  return done(errors);
}
