/**
 * What is left of a file that fails its schema (or its interpolation, or a port/volume
 * value), so that the checks needing the whole project (undefined references, cycles,
 * container_name with replicas) still run in the same run. The failed keys are cut out —
 * a whole key of a service or resource (`services.web.ports`), a resource body replaced by
 * `{}` so its name stays defined — and the rest is validated again: the later steps only
 * ever see data the schema accepts. Errors found later under a cut path are dropped (their
 * key was already reported), and references to names whose definitions were cut count as
 * defined.
 */
import { isDict } from './canonical.js';
import type { ComposeError } from './errors.js';
import { formatPath, type Segment } from './yaml-source.js';

type Dict = Record<string, unknown>;

export const RESOURCE_KINDS = ['services', 'networks', 'volumes', 'secrets', 'configs'] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

/** Names whose definitions failed their checks: references to them are not reported. */
export type AssumedDefined = Partial<Record<ResourceKind, Set<string> | 'all'>>;

const isKind = (k: unknown): k is ResourceKind => RESOURCE_KINDS.includes(k as ResourceKind);

/** What the salvage of every file of one load found (shared by the per-file steps). */
export class Salvage {
  /** Key paths cut out of some file, as `services.web.ports`. */
  readonly pruned: string[] = [];
  readonly assumed: AssumedDefined = {};
  /** Set when a failed file could not be salvaged: the project checks are then skipped. */
  unsafe = false;
  /** How many of the errors recorded belong to salvaged files. */
  accounted = 0;

  assume(kind: ResourceKind, name?: string): void {
    if (name === undefined) this.assumed[kind] = 'all';
    else {
      const set = this.assumed[kind];
      if (set === 'all') return;
      if (set) set.add(name);
      else this.assumed[kind] = new Set([name]);
    }
  }
}

export function isAssumed(assumed: AssumedDefined | undefined, kind: ResourceKind, name: string): boolean {
  const set = assumed?.[kind];
  return set === 'all' || (set?.has(name) ?? false);
}

/** Whether `path` is one of `paths`, inside one, or holds one. */
export function overlapsAny(paths: readonly string[], path: string): boolean {
  return paths.some(
    (s) =>
      path === s ||
      path.startsWith(`${s}.`) ||
      path.startsWith(`${s}[`) ||
      s.startsWith(`${path}.`) ||
      s.startsWith(`${path}[`),
  );
}

export interface Failure {
  error: ComposeError;
  path?: readonly Segment[];
}

export interface Pruned {
  data: Dict;
  pruned: string[];
  assumed: Array<[ResourceKind, string | undefined]>;
}

/**
 * `data` without the keys the failures concern; undefined when a failure cannot be cut out
 * safely (no key path, the whole file, `include`).
 */
export function pruneFailures(data: Dict, failures: readonly Failure[]): Pruned | undefined {
  const root: Dict = { ...data };
  const copies = new WeakSet<object>([root]);
  const own = (parent: Dict, key: string): Dict | undefined => {
    const v = Object.hasOwn(parent, key) ? parent[key] : undefined;
    if (!isDict(v)) return undefined;
    if (copies.has(v)) return v;
    const copy: Dict = { ...v };
    copies.add(copy);
    define(parent, key, copy);
    return copy;
  };
  const out: Pruned = { data: root, pruned: [], assumed: [] };
  for (const { error, path } of failures) {
    if (!path || path.length === 0) return undefined;
    const top = path[0];
    if (typeof top !== 'string' || top === 'include') return undefined;
    if (!isKind(top)) {
      delete root[top];
      out.pruned.push(top);
      // `netwroks:` with a did-you-mean: what it defines is not reported missing again.
      if (isKind(error.suggestion)) out.assumed.push([error.suggestion, undefined]);
      continue;
    }
    const section = own(root, top);
    const name = path[1];
    if (!section || typeof name !== 'string') {
      delete root[top];
      out.pruned.push(top);
      out.assumed.push([top, undefined]);
      continue;
    }
    const entry = own(section, name);
    const key = path[2];
    if (path.length === 2 && error.reason.startsWith('invalid name')) {
      delete section[name];
      out.pruned.push(formatPath([top, name]));
      out.assumed.push([top, name]);
    } else if (!entry || typeof key !== 'string') {
      define(section, name, {});
      out.pruned.push(formatPath([top, name]));
    } else {
      delete entry[key];
      out.pruned.push(formatPath([top, name, key]));
    }
  }
  return out;
}

/** Sets a key, `__proto__` included, as an own property. */
function define(obj: Dict, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}
