/**
 * `fizz run` containers on the agent's side: the reconcile loop never touches them (the
 * planner skips `fizz.oneoff`), so `fizz down` removes the ones left, as docker compose
 * down does, before the project's networks (which they would hold).
 */
import type { ProgressEvent } from '../api/protocol.js';
import { LABELS, type Runtime } from '../runtime/types.js';

export async function removeOneOffs(
  runtime: Pick<Runtime, 'list' | 'remove'>,
  nodeId: string,
  project: string,
  emit: (event: ProgressEvent) => void,
): Promise<void> {
  const left = (await runtime.list(project)).filter(
    (c) => c.labels[LABELS.node] === nodeId && c.labels[LABELS.oneoff] !== undefined,
  );
  await Promise.all(
    left.map(async (c) => {
      const service = c.labels[LABELS.service] ?? '';
      emit({ type: 'progress', resource: 'container', name: c.name, service, status: 'removing' });
      await runtime.remove(c.id, { force: true });
      emit({ type: 'progress', resource: 'container', name: c.name, service, status: 'removed' });
    }),
  );
}
