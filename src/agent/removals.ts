/** A pass's removals (executor.ts, step 1): dependents stop before what they depend on. */
import type { ProgressEvent } from '../api/protocol.js';
import type { Action } from '../reconcile/types.js';
import { LABELS, type Runtime } from '../runtime/types.js';
import { describeFailure, serviceGraceMs } from './action-runner.js';
import type { ExecuteInput } from './executor.js';

/**
 * Containers no slot wants go first, in parallel, except that a service's containers are
 * stopped only once those of the services depending on it have stopped (docker compose's
 * reverse start order, as far as the project's spec is known). Each one is removed right
 * after its own stop, so removals never wait on each other.
 */
export async function removeInReverseOrder(
  runtime: Runtime,
  input: ExecuteInput,
  removals: Action[],
  fail: (project: string, line: string) => void,
): Promise<void> {
  const specOf = (project: string) => input.projects.get(project) ?? input.removedProjects?.get(project);
  const stoppedBy = new Map<string, Promise<void>[]>();
  const removeOne = async (a: Extract<Action, { kind: 'remove' }>, stopped: () => void): Promise<void> => {
    const c = a.container;
    const project = c.labels[LABELS.project] ?? '';
    const service = c.labels[LABELS.service] ?? '';
    const spec = specOf(project);
    const emit = (status: ProgressEvent['status']) =>
      input.emit(project, { type: 'progress', resource: 'container', name: c.name, service, status });
    try {
      const dependents = Object.entries(spec?.services ?? {})
        .filter(([name, s]) => name !== service && s.depends_on?.[service] !== undefined)
        .map(([name]) => `${project}/${name}`);
      await Promise.all(dependents.flatMap((d) => stoppedBy.get(d) ?? []));
      emit('removing');
      if (c.state === 'running' || c.state === 'restarting' || c.state === 'paused')
        await runtime.stop(c.id, input.graceMs?.get(project) ?? serviceGraceMs(spec?.services[service]));
      stopped();
      await runtime.remove(c.id, { force: true });
      emit('removed');
    } catch (err) {
      fail(project, describeFailure(service, spec?.services[service], err));
    } finally {
      stopped();
    }
  };
  // Every stop promise is in the table before any task reads it: tasks start a tick later.
  const removing: Promise<void>[] = [];
  for (const a of removals) {
    if (a.kind !== 'remove') continue;
    const key = `${a.container.labels[LABELS.project]}/${a.container.labels[LABELS.service]}`;
    let stopped = () => {};
    const list = stoppedBy.get(key) ?? [];
    stoppedBy.set(key, list);
    list.push(
      new Promise<void>((resolve) => {
        stopped = resolve;
      }),
    );
    removing.push(Promise.resolve().then(() => removeOne(a, stopped)));
  }
  await Promise.all(removing);
}
