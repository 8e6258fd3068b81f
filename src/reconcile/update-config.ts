/**
 * `deploy.update_config` and `deploy.rollback_config` resolved to plain numbers, with the
 * compose deploy spec's defaults (failure_action pause, monitor 0s, order stop-first,
 * max_failure_ratio 0) and Swarm's parallelism 1, which the spec leaves open. Pure.
 */
import type { ServiceSpec } from '../compose/types.js';
import { InvalidUpdateConfigError } from './errors.js';

export type FailureAction = 'pause' | 'continue' | 'rollback';

export interface UpdateConfig {
  /** Replicas replaced per wave; 0 replaces every one at once. */
  parallelism: number;
  /** Wait after a wave is running (and healthy) before the next one, ms. */
  delayMs: number;
  order: 'start-first' | 'stop-first';
  /** How long after its start a new replica that fails still fails the update, ms. */
  monitorMs: number;
  failureAction: FailureAction;
  /** The share of replicas that may fail before `failureAction` applies (0 to 1). */
  maxFailureRatio: number;
}

export const UPDATE_DEFAULTS: UpdateConfig = {
  parallelism: 1,
  delayMs: 0,
  order: 'stop-first',
  monitorMs: 0,
  failureAction: 'pause',
  maxFailureRatio: 0,
};

const NS_PER_MS = 1_000_000;

/**
 * The service's update (or rollback) configuration with defaults filled in. Durations in
 * the normalized spec are nanoseconds. Throws InvalidUpdateConfigError naming the key.
 */
export function resolveUpdateConfig(
  service: string,
  spec: ServiceSpec,
  kind: 'update' | 'rollback',
): UpdateConfig {
  const key = kind === 'update' ? 'update_config' : 'rollback_config';
  const raw = spec.deploy?.[key];
  if (raw === undefined || raw === null) return { ...UPDATE_DEFAULTS };
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw new InvalidUpdateConfigError(service, key, 'expected a mapping');
  const r = raw as Record<string, unknown>;
  const bad = (field: string, why: string) => new InvalidUpdateConfigError(service, `${key}.${field}`, why);
  const out: UpdateConfig = { ...UPDATE_DEFAULTS };
  if (r.parallelism !== undefined) {
    if (!Number.isInteger(r.parallelism) || (r.parallelism as number) < 0)
      throw bad(
        'parallelism',
        `expected a whole number of replicas, 0 or more, got ${JSON.stringify(r.parallelism)}`,
      );
    out.parallelism = r.parallelism as number;
  }
  for (const [field, target] of [
    ['delay', 'delayMs'],
    ['monitor', 'monitorMs'],
  ] as const) {
    const v = r[field];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw bad(field, `expected a duration such as 5s, got ${JSON.stringify(v)}`);
    out[target] = Math.round(v / NS_PER_MS);
  }
  if (r.order !== undefined) {
    if (r.order !== 'start-first' && r.order !== 'stop-first')
      throw bad('order', `expected start-first or stop-first, got ${JSON.stringify(r.order)}`);
    out.order = r.order;
  }
  if (r.failure_action !== undefined) {
    const allowed = kind === 'update' ? ['pause', 'continue', 'rollback'] : ['pause', 'continue'];
    if (!allowed.includes(r.failure_action as string))
      throw bad('failure_action', `expected ${allowed.join(', ')}, got ${JSON.stringify(r.failure_action)}`);
    out.failureAction = r.failure_action as FailureAction;
  }
  if (r.max_failure_ratio !== undefined) {
    const v = r.max_failure_ratio;
    if (typeof v !== 'number' || !(v >= 0 && v <= 1))
      throw bad('max_failure_ratio', `expected a number from 0 to 1, got ${JSON.stringify(v)}`);
    out.maxFailureRatio = v;
  }
  return out;
}
