/** The docker compose flags of `fizz up` as request fields: `--scale` values, what Ctrl+C stops. */
import { UsageError } from 'clipanion';
import { MAX_UP_SCALE } from '../api/decode.js';
import type { PullFlag } from '../api/protocol.js';
import type { ProjectSpec } from '../compose/types.js';
import { withDependencies } from '../reconcile/index.js';

/**
 * `--scale` values (and `fizz scale`'s arguments): `SERVICE=NUM`, NUM a whole number; the
 * last one for a service wins.
 */
export function parseScale(values: string[], what = '--scale'): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) {
    const m = /^([^=]+)=(\d+)$/.exec(v);
    const n = m ? Number(m[2]) : Number.NaN;
    if (!m || !Number.isSafeInteger(n) || n > MAX_UP_SCALE)
      throw new UsageError(`${what} wants SERVICE=NUM with NUM from 0 to ${MAX_UP_SCALE}, not "${v}"`);
    out[m[1]!] = n;
  }
  return out;
}

/**
 * The services an `up` of `named` brings up, which its Ctrl+C stops: none named means all
 * (`[]`, as `fizz stop` reads it); else the named with their dependencies unless `noDeps`.
 */
export function stoppedOnInterrupt(spec: ProjectSpec, named: string[], noDeps: boolean): string[] {
  if (named.length === 0) return [];
  return noDeps ? named : withDependencies(spec, named);
}

/** `--pull always|missing|never` of `up` and `create`. */
export function parsePull(value: string): PullFlag {
  if (value !== 'always' && value !== 'missing' && value !== 'never')
    throw new UsageError(`--pull wants always, missing or never, not "${value}"`);
  return value;
}
