/** `fizz history <service>`: a service's revisions and where its last rolling update stands. Pure. */
import type { HistoryResponse } from '../api/ops-api.js';
import type { ProjectSpec } from '../compose/types.js';
import { historyOf, rolloutOf } from '../reconcile/revisions.js';
import type { SeenRollout } from './rollouts.js';

export function historyResponse(
  spec: ProjectSpec,
  project: string,
  service: string,
  seen: SeenRollout | undefined,
): HistoryResponse {
  const list = historyOf(spec, service);
  const out: HistoryResponse = {
    project,
    service,
    revisions: list.map((r, i) => ({
      rev: r.rev,
      at: r.at,
      node: r.node,
      ...(r.nodeName !== undefined ? { nodeName: r.nodeName } : {}),
      command: r.command,
      changes: r.changes,
      ...(typeof r.spec.image === 'string' ? { image: r.spec.image } : {}),
      current: i === list.length - 1,
    })),
  };
  const r = rolloutOf(spec, service);
  if (r) {
    const view = seen?.rollout.id === r.id ? seen.view : undefined;
    out.rollout = {
      kind: r.kind,
      fromRev: r.fromRev,
      toRev: r.toRev,
      phase: view?.phase ?? 'unknown',
      ready: view?.ready.length ?? 0,
      replicas: view?.replicas ?? 0,
      ...(view?.reason ? { reason: view.reason } : r.reason ? { reason: r.reason } : {}),
    };
  }
  return out;
}
