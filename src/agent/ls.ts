/** `fizz ls`: the projects this agent knows — in its state, or with Fizz containers it made. */
import type { LsEntry } from '../api/protocol.js';
import { type ContainerInfo, LABELS } from '../runtime/types.js';

/**
 * One entry per project, sorted by name, with its containers counted by state. Without
 * `all`, only projects with something running (as `docker compose ls`).
 */
export function listProjects(
  known: string[],
  /** This agent's containers (its node id in `fizz.node`). */
  containers: ContainerInfo[],
  configFiles: (project: string) => string[],
  all: boolean,
): LsEntry[] {
  const states = new Map<string, Record<string, number>>();
  for (const p of known) states.set(p, {});
  for (const c of containers) {
    const p = c.labels[LABELS.project];
    if (p === undefined) continue;
    const counts = states.get(p) ?? {};
    counts[c.state] = (counts[c.state] ?? 0) + 1;
    states.set(p, counts);
  }
  return [...states.entries()]
    .filter(([, counts]) => all || (counts.running ?? 0) > 0)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, counts]) => ({ name, states: counts, configFiles: configFiles(name) }));
}
