/** The small pure pieces of a pass: its scope, merged requests' grace periods, failure reasons, log lines. */
import type { OpProgress } from '../api/protocol.js';
import type { ProjectSpec } from '../compose/types.js';
import type { Action } from '../reconcile/types.js';
import { neededResources } from '../runtime/resources.js';
import { type ContainerInfo, LABELS } from '../runtime/types.js';
import type { PassRequest } from './pass-types.js';

/** The grace overrides of merged requests; the shortest wins where two name one project. */
export function mergedGrace(reqs: PassRequest[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of reqs)
    for (const [project, ms] of Object.entries(r.graceMs ?? {}))
      out.set(project, Math.min(ms, out.get(project) ?? ms));
  return out;
}

/** Each failed slot with the first failure line of its service (the executor names the service). */
export function failureReasons(failed: Set<string>, errors: Map<string, string[]>): Map<string, string> {
  const out = new Map<string, string>();
  for (const key of failed) {
    const [project, service] = key.split('/');
    const line = (errors.get(project ?? '') ?? []).find((l) => l.startsWith(`service "${service}"`));
    out.set(key, line ? `could not start: ${line.replace(/^service "[^"]*": /, '')}` : 'could not start');
  }
  return out;
}

/** The names of the networks and volumes the project needs (forgotten after a failure, to be checked again). */
export function neededNames(spec: ProjectSpec): string[] {
  const need = neededResources(spec);
  return [...need.networks.map((n) => n.name), ...need.volumes.map((v) => v.name)];
}

/**
 * Which projects a pass manages (those in the state, those with a container this node made,
 * those a request names; not the broken ones), and who receives each project's progress.
 */
export function passScope(
  reqs: PassRequest[],
  specs: Map<string, ProjectSpec>,
  actual: ContainerInfo[],
  nodeId: string,
  broken: Map<string, string>,
): {
  managed: Set<string>;
  emit: (project: string, event: OpProgress) => void;
  /** The projects a user's operation waits on: their slots skip the back-off. */
  userProjects: Set<string>;
} {
  const managed = new Set<string>(specs.keys());
  for (const c of actual) if (c.labels[LABELS.node] === nodeId) managed.add(c.labels[LABELS.project] ?? '');
  for (const r of reqs) for (const p of r.manage ?? []) managed.add(p);
  managed.delete('');
  for (const name of broken.keys()) managed.delete(name);

  const watchers = reqs.flatMap((r) => (r.watch ? [r.watch] : []));
  const emit = (project: string, event: OpProgress) => {
    for (const w of watchers) if (w.projects.includes(project)) w.emit(event);
  };
  return { managed, emit, userProjects: new Set(watchers.flatMap((w) => w.projects)) };
}

/** The log line of each planned action. */
export function actionLines(actions: Action[]): string[] {
  return actions.map((a) => `${a.kind} ${a.kind === 'remove' ? a.container.name : a.slot.name}: ${a.reason}`);
}
