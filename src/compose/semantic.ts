/**
 * Checks the schema cannot express: references to services, networks, volumes, secrets and
 * configs that are not defined; dependency cycles and self-dependencies; container_name with
 * more than one replica. Also adds the dependencies docker compose infers from
 * `network_mode: service:x`, `volumes_from`, `links`, `ipc`/`pid: service:x`.
 */
import { ComposeCycleError, ComposeUndefinedReferenceError, ComposeValueError } from './errors.js';
import type { Issues } from './issues.js';
import { didYouMean } from './levenshtein.js';
import { type AssumedDefined, isAssumed } from './salvage.js';
import type { ProjectSpec, ServiceSpec } from './types.js';
import { checkXFizz } from './x-fizz.js';

type Extra = ServiceSpec & {
  volumes_from?: string[];
  links?: string[];
  ipc?: string;
  pid?: string;
  uts?: string;
  cgroup?: string;
};

/**
 * Services this service needs because of how it shares namespaces (restart with them) or
 * volumes (no restart), as compose-go infers them.
 */
export function implicitDependencies(svc: ServiceSpec): Array<{ name: string; restart: boolean }> {
  const s = svc as Extra;
  const out: Array<{ name: string; restart: boolean }> = [];
  for (const v of [s.network_mode, s.ipc, s.pid, s.uts, s.cgroup])
    if (typeof v === 'string' && v.startsWith('service:'))
      out.push({ name: v.slice('service:'.length), restart: true });
  for (const v of s.volumes_from ?? []) {
    if (v.startsWith('container:')) continue;
    out.push({ name: (v.startsWith('service:') ? v.slice(8) : v).split(':')[0]!, restart: false });
  }
  for (const l of s.links ?? []) out.push({ name: l.split(':')[0]!, restart: true });
  return out;
}

export function addImplicitDependencies(project: ProjectSpec): void {
  for (const svc of Object.values(project.services))
    for (const dep of implicitDependencies(svc))
      if (!Object.hasOwn(svc.depends_on, dep.name))
        svc.depends_on[dep.name] = { condition: 'service_started', required: true, restart: dep.restart };
}

/**
 * `disabled`: the services the active profiles leave out, with their profiles. `assumed`:
 * names whose definitions failed their own checks (salvage.ts), not reported as undefined.
 */
export function checkProject(
  project: ProjectSpec,
  issues: Issues,
  disabled: ReadonlyMap<string, string[]> = new Map(),
  assumed?: AssumedDefined,
): void {
  const services = Object.keys(project.services);
  for (const [name, svc] of Object.entries(project.services)) {
    const at = (...p: Array<string | number>) => ['services', name, ...p];
    checkXFizz(name, svc['x-fizz'], issues);
    if (!svc.image && !svc.build)
      issues.add(
        new ComposeValueError(`service "${name}" has neither an image nor a build context specified`, {
          expected: 'an image or a build section',
        }),
        at(),
      );
    for (const [dep, spec] of Object.entries(svc.depends_on)) {
      if (Object.hasOwn(project.services, dep) || isAssumed(assumed, 'services', dep)) continue;
      if (spec.required === false) {
        delete svc.depends_on[dep];
        continue;
      }
      const profiles = disabled.get(dep);
      if (profiles) {
        issues.add(
          new ComposeUndefinedReferenceError(
            `service "${name}" depends on service "${dep}", which is not enabled by the active profiles`,
            {
              expected: `one of its profiles enabled (${profiles.map((p) => `--profile ${p}`).join(', ')}), or a profile shared by "${dep}" and "${name}"`,
            },
          ),
          at('depends_on', dep),
        );
        continue;
      }
      issues.add(
        new ComposeUndefinedReferenceError(`service "${name}" depends on undefined service "${dep}"`, {
          expected: 'a service defined under services',
          suggestion: didYouMean(dep, services),
        }),
        at('depends_on', dep),
      );
    }
    for (const net of Object.keys(svc.networks)) {
      if (Object.hasOwn(project.networks, net) || isAssumed(assumed, 'networks', net)) continue;
      issues.add(
        new ComposeUndefinedReferenceError(`service "${name}" refers to undefined network ${net}`, {
          expected: 'a network defined under the top-level networks',
          suggestion: didYouMean(net, Object.keys(project.networks)),
        }),
        at('networks', net),
      );
    }
    svc.volumes.forEach((v, i) => {
      if (v.type !== 'volume' || !v.source || Object.hasOwn(project.volumes, v.source)) return;
      if (isAssumed(assumed, 'volumes', v.source)) return;
      issues.add(
        new ComposeUndefinedReferenceError(`service "${name}" refers to undefined volume ${v.source}`, {
          expected: 'a volume defined under the top-level volumes',
          suggestion: didYouMean(v.source, Object.keys(project.volumes)),
        }),
        at('volumes', i),
      );
    });
    for (const kind of ['secrets', 'configs'] as const) {
      (svc[kind] ?? []).forEach((ref, i) => {
        if (typeof ref.source === 'string' && Object.hasOwn(project[kind], ref.source)) return;
        if (typeof ref.source === 'string' && isAssumed(assumed, kind, ref.source)) return;
        issues.add(
          new ComposeUndefinedReferenceError(
            `service "${name}" refers to undefined ${kind.slice(0, -1)} ${ref.source}`,
            {
              expected: `a ${kind.slice(0, -1)} defined under the top-level ${kind}`,
              suggestion: didYouMean(String(ref.source), Object.keys(project[kind])),
            },
          ),
          at(kind, i),
        );
      });
    }
    if (svc.scale !== undefined && svc.deploy?.replicas !== undefined && svc.scale !== svc.deploy.replicas)
      issues.add(
        new ComposeValueError(`scale ${svc.scale} and deploy.replicas ${svc.deploy.replicas} disagree`, {
          expected: 'one of them, or the same value in both',
        }),
        at('scale'),
      );
    const replicas = svc.deploy?.replicas ?? svc.scale ?? 1;
    if (svc.container_name && replicas > 1)
      issues.add(
        new ComposeValueError(
          `container_name "${svc.container_name}" cannot be used with ${replicas} replicas`,
          {
            expected: 'no container_name, or a single replica',
          },
        ),
        at('container_name'),
      );
  }
  for (const cycle of dependencyCycles(project))
    issues.add(new ComposeCycleError(`dependency cycle detected: ${cycle.join(' -> ')}`), [
      'services',
      cycle[0]!,
      'depends_on',
    ]);
}

/** Every distinct cycle in depends_on, each as [a, b, ..., a]. Iterative DFS, linear. */
export function dependencyCycles(project: ProjectSpec): string[][] {
  const state = new Map<string, 'active' | 'done'>();
  const cycles: string[][] = [];
  for (const root of Object.keys(project.services)) {
    if (state.has(root)) continue;
    const stack: Array<{ name: string; deps: string[]; i: number }> = [];
    const push = (name: string) => {
      state.set(name, 'active');
      const deps = Object.keys(project.services[name]?.depends_on ?? {}).filter((d) =>
        Object.hasOwn(project.services, d),
      );
      stack.push({ name, deps, i: 0 });
    };
    push(root);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.i >= top.deps.length) {
        state.set(top.name, 'done');
        stack.pop();
        continue;
      }
      const next = top.deps[top.i++]!;
      const st = state.get(next);
      if (st === 'active') {
        const from = stack.findIndex((f) => f.name === next);
        cycles.push([...stack.slice(from).map((f) => f.name), next]);
      } else if (st === undefined) push(next);
    }
  }
  return cycles;
}
