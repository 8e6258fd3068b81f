/** Start order: services grouped into waves, each depending only on earlier waves. */
import type { ProjectSpec } from '../compose/types.js';
import { DependencyCycleError } from './errors.js';

/**
 * Services of a project in dependency waves: wave 0 depends on nothing, wave k only on
 * waves before k. Names are sorted within a wave. A dependency on a service the project
 * does not define is ignored (the loader rejects required ones; optional ones may be
 * absent). Throws `DependencyCycleError` when depends_on forms a cycle. Stop order is the
 * reverse.
 */
export function waves(project: ProjectSpec, services?: Iterable<string>): string[][] {
  const names = [...(services ?? Object.keys(project.services))].filter((n) => project.services[n]).sort();
  const chosen = new Set(names);
  const deps = new Map<string, string[]>();
  for (const name of names) {
    const on = Object.keys(project.services[name]!.depends_on ?? {}).filter((d) => chosen.has(d));
    deps.set(name, on);
  }
  const level = new Map<string, number>();
  const out: string[][] = [];
  let remaining = names;
  while (remaining.length > 0) {
    const wave = remaining.filter((n) => deps.get(n)!.every((d) => level.has(d)));
    if (wave.length === 0) throw new DependencyCycleError(project.name, findCycle(remaining, deps));
    for (const n of wave) level.set(n, out.length);
    out.push(wave);
    const done = new Set(wave);
    remaining = remaining.filter((n) => !done.has(n));
  }
  return out;
}

/** One cycle among `nodes` (each of which has an unmet dependency), first name repeated at the end. */
function findCycle(nodes: string[], deps: Map<string, string[]>): string[] {
  const inSet = new Set(nodes);
  let at = nodes[0]!;
  const seen = new Map<string, number>();
  const path: string[] = [];
  while (!seen.has(at)) {
    seen.set(at, path.length);
    path.push(at);
    at = deps
      .get(at)!
      .filter((d) => inSet.has(d))
      .sort()[0]!;
  }
  const cycle = path.slice(seen.get(at)!);
  return [...cycle, at];
}

/**
 * `services` and every service they depend on, transitively (`depends_on`), sorted: what
 * `fizz up web` brings up. Names the project does not define are dropped.
 */
export function withDependencies(project: ProjectSpec, services: Iterable<string>): string[] {
  const out = new Set<string>();
  const todo = [...services];
  while (todo.length > 0) {
    const name = todo.pop()!;
    const svc = project.services[name];
    if (!svc || out.has(name)) continue;
    out.add(name);
    todo.push(...Object.keys(svc.depends_on ?? {}));
  }
  return [...out].sort();
}
