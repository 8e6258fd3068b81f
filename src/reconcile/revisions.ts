/**
 * A service's revisions and its current rollout, kept inside the project spec that the
 * state replicates (`x-fizz-history`, `x-fizz-rollouts`), so they are written in the same
 * last-writer-wins register as the spec they describe and can never disagree with it.
 * `withRevisions` is what `fizz up` writes; `rolledBack` what `fizz rollback` (or a failed
 * update with failure_action: rollback) writes. Pure.
 */
import type { JsonValue, ProjectSpec, ServiceSpec } from '../compose/types.js';
import { NoEarlierRevisionError } from './errors.js';
import { canonicalJson, specHash } from './hash.js';
import { referencedResources } from './slots.js';
import { resolveUpdateConfig, type UpdateConfig } from './update-config.js';

export const HISTORY_KEY = 'x-fizz-history';
export const ROLLOUTS_KEY = 'x-fizz-rollouts';
/** Revisions kept per service. */
export const HISTORY_LIMIT = 10;

export interface Revision {
  rev: number;
  /** The spec hash when it was written. */
  hash: string;
  spec: ServiceSpec;
  /** ms since the epoch, writer's clock. */
  at: number;
  /** Writer's node id, and name when it had one. */
  node: string;
  nodeName?: string;
  /** `up`, `rollback`, `rollback (update failed: …)`. */
  command: string;
  /** What changed against the revision before, one line each. */
  changes: string[];
}

export interface Rollout {
  /** Unique per write: `<node>@<at>`. */
  id: string;
  kind: 'update' | 'rollback';
  fromRev: number;
  toRev: number;
  config: UpdateConfig;
  at: number;
  node: string;
  /** Why a rollback was made. */
  reason?: string;
}

export interface WriteMeta {
  at: number;
  node: string;
  nodeName?: string;
  command: string;
}

type Table<T> = Record<string, T>;

function isRevision(v: unknown): v is Revision {
  const r = v as Revision;
  return (
    !!r &&
    typeof r === 'object' &&
    Number.isInteger(r.rev) &&
    typeof r.hash === 'string' &&
    !!r.spec &&
    typeof r.spec === 'object' &&
    typeof r.at === 'number' &&
    typeof r.node === 'string' &&
    typeof r.command === 'string' &&
    Array.isArray(r.changes)
  );
}

function isRollout(v: unknown): v is Rollout {
  const r = v as Rollout;
  return (
    !!r &&
    typeof r === 'object' &&
    typeof r.id === 'string' &&
    (r.kind === 'update' || r.kind === 'rollback') &&
    Number.isInteger(r.fromRev) &&
    Number.isInteger(r.toRev) &&
    !!r.config &&
    typeof r.config === 'object' &&
    Number.isInteger(r.config.parallelism) &&
    typeof r.at === 'number'
  );
}

/** A service's revisions, oldest first (replicated data: malformed entries are dropped). */
export function historyOf(project: ProjectSpec, service: string): Revision[] {
  const all = project.extensions?.[HISTORY_KEY] as Table<unknown> | undefined;
  const list = all && typeof all === 'object' ? all[service] : undefined;
  return Array.isArray(list) ? list.filter(isRevision) : [];
}

/** The service's last rollout, if its record is well formed. */
export function rolloutOf(project: ProjectSpec, service: string): Rollout | undefined {
  const all = project.extensions?.[ROLLOUTS_KEY] as Table<unknown> | undefined;
  const r = all && typeof all === 'object' ? all[service] : undefined;
  return isRollout(r) ? r : undefined;
}

/** The hash of a service spec inside `project` (its networks, volumes, … as they are there). */
export function serviceHash(project: ProjectSpec, spec: ServiceSpec): string {
  return specHash(spec, referencedResources(project, spec));
}

const SHOWN = 48;

function short(v: unknown): string | undefined {
  if (v === undefined) return '(none)';
  if (v !== null && typeof v === 'object') return undefined;
  const text = JSON.stringify(v);
  return text.length <= SHOWN ? text : undefined;
}

/** One line per top-level key (and `deploy.*` key) that differs: `image: "a" → "b"`. */
export function specChanges(before: ServiceSpec, after: ServiceSpec): string[] {
  const out: string[] = [];
  const compare = (prefix: string, a: Record<string, unknown>, b: Record<string, unknown>) => {
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      if (canonicalJson(a[key]) === canonicalJson(b[key])) continue;
      if (key === 'deploy' && prefix === '') {
        compare(
          'deploy.',
          (a.deploy ?? {}) as Record<string, unknown>,
          (b.deploy ?? {}) as Record<string, unknown>,
        );
        continue;
      }
      const x = short(a[key]);
      const y = short(b[key]);
      out.push(
        x !== undefined && y !== undefined ? `${prefix}${key}: ${x} → ${y}` : `${prefix}${key} changed`,
      );
    }
  };
  compare('', before as unknown as Record<string, unknown>, after as unknown as Record<string, unknown>);
  return out;
}

function withTables(spec: ProjectSpec, history: Table<Revision[]>, rollouts: Table<Rollout>): ProjectSpec {
  // Plain JSON data; the types say so only loosely.
  const tables = { [HISTORY_KEY]: history, [ROLLOUTS_KEY]: rollouts } as unknown as Record<string, JsonValue>;
  return { ...spec, extensions: { ...spec.extensions, ...tables } };
}

/**
 * `next` (what an `up` writes) with each service's history carried over from `previous`,
 * a revision added for every service whose spec hash changed, and a rollout recorded for
 * every such service that existed before (its replicas are replaced in waves). Services
 * left out of `next` lose their history. Throws InvalidUpdateConfigError for a bad
 * update_config of a changed service.
 */
export function withRevisions(
  previous: ProjectSpec | undefined,
  next: ProjectSpec,
  meta: WriteMeta,
): ProjectSpec {
  const history: Table<Revision[]> = {};
  const rollouts: Table<Rollout> = {};
  for (const [name, spec] of Object.entries(next.services)) {
    const hash = serviceHash(next, spec);
    const before = previous?.services[name];
    let list = previous ? historyOf(previous, name) : [];
    // A service written before histories existed: its spec then is revision 1.
    if (list.length === 0 && before && previous)
      list = [
        {
          rev: 1,
          hash: serviceHash(previous, before),
          spec: before,
          at: 0,
          node: '',
          command: 'up',
          changes: [],
        },
      ];
    const last = list.at(-1);
    const kept = previous ? rolloutOf(previous, name) : undefined;
    if (last && before && serviceHash(previous!, before) === hash) {
      history[name] = list;
      if (kept) rollouts[name] = kept;
      continue;
    }
    const rev: Revision = {
      rev: (last?.rev ?? 0) + 1,
      hash,
      spec,
      at: meta.at,
      node: meta.node,
      ...(meta.nodeName !== undefined ? { nodeName: meta.nodeName } : {}),
      command: meta.command,
      changes: last ? specChanges(last.spec, spec) : ['created'],
    };
    history[name] = [...list, rev].slice(-HISTORY_LIMIT);
    if (last && before)
      rollouts[name] = {
        id: `${meta.node}@${meta.at}`,
        kind: 'update',
        fromRev: last.rev,
        toRev: rev.rev,
        config: resolveUpdateConfig(name, spec, 'update'),
        at: meta.at,
        node: meta.node,
      };
  }
  return withTables(next, history, rollouts);
}

/**
 * `current` with each of `services` back at its revision before the last one, recorded as a
 * new revision and a rollout of kind `rollback` under the rolled-back spec's
 * rollback_config. Throws NoEarlierRevisionError when a service has none.
 */
export function rolledBack(
  current: ProjectSpec,
  services: string[],
  meta: WriteMeta,
  reason?: string,
): ProjectSpec {
  const ext = (current.extensions ?? {}) as unknown as Record<string, unknown>;
  const history: Table<Revision[]> = { ...((ext[HISTORY_KEY] as Table<Revision[]>) ?? {}) };
  const rollouts: Table<Rollout> = { ...((ext[ROLLOUTS_KEY] as Table<Rollout>) ?? {}) };
  const servicesOut = { ...current.services };
  for (const name of services) {
    const list = historyOf(current, name);
    const last = list.at(-1);
    const target = list.at(-2);
    if (!last || !target || !current.services[name]) throw new NoEarlierRevisionError(current.name, name);
    const spec = target.spec;
    servicesOut[name] = spec;
    const rev: Revision = {
      rev: last.rev + 1,
      hash: target.hash,
      spec,
      at: meta.at,
      node: meta.node,
      ...(meta.nodeName !== undefined ? { nodeName: meta.nodeName } : {}),
      command: reason ? `${meta.command} (${reason})` : meta.command,
      changes: specChanges(last.spec, spec),
    };
    history[name] = [...list, rev].slice(-HISTORY_LIMIT);
    rollouts[name] = {
      id: `${meta.node}@${meta.at}`,
      kind: 'rollback',
      fromRev: last.rev,
      toRev: rev.rev,
      config: resolveUpdateConfig(name, last.spec, 'rollback'),
      at: meta.at,
      node: meta.node,
      ...(reason ? { reason } : {}),
    };
  }
  return withTables({ ...current, services: servicesOut }, history, rollouts);
}
