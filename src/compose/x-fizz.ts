/**
 * A service's `x-fizz` section: Fizz's own settings, checked like the rest of the file
 * (an unknown key or a value of the wrong type is an error at its file:line:col, not a
 * setting silently ignored).
 *   weight: N              placement cost of one replica (> 0, default 1)
 *   move_volumes: bool     a service with a named volume may move to another node
 *   restart_unhealthy: bool  restart the container when its healthcheck fails (default true)
 *   recreate_removed: bool   make the container again when it is removed by hand (default true)
 */
import { ComposeValueError } from './errors.js';
import type { Issues } from './issues.js';
import { didYouMean } from './levenshtein.js';

const KEYS: Record<string, { expected: string; ok: (v: unknown) => boolean }> = {
  weight: {
    expected: 'a number greater than 0',
    ok: (v) => typeof v === 'number' && Number.isFinite(v) && v > 0,
  },
  move_volumes: { expected: 'true or false', ok: (v) => typeof v === 'boolean' },
  restart_unhealthy: { expected: 'true or false', ok: (v) => typeof v === 'boolean' },
  recreate_removed: { expected: 'true or false', ok: (v) => typeof v === 'boolean' },
};

/** Adds an error to `issues` for each unknown key or bad value of service `name`'s `x-fizz`. */
export function checkXFizz(name: string, value: unknown, issues: Issues): void {
  if (value === undefined) return;
  const at = ['services', name, 'x-fizz'];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    issues.add(
      new ComposeValueError(`x-fizz of service "${name}" must be a mapping`, {
        expected: `a mapping of ${Object.keys(KEYS).join(', ')}`,
      }),
      at,
    );
    return;
  }
  for (const [key, v] of Object.entries(value)) {
    const known = KEYS[key];
    if (!known) {
      issues.add(
        new ComposeValueError(`x-fizz of service "${name}" has an unknown key "${key}"`, {
          expected: `one of ${Object.keys(KEYS).join(', ')}`,
          suggestion: didYouMean(key, Object.keys(KEYS)),
        }),
        [...at, key],
        undefined,
        true,
      );
    } else if (!known.ok(v))
      issues.add(
        new ComposeValueError(`x-fizz.${key} of service "${name}" is ${JSON.stringify(v)}`, {
          expected: known.expected,
        }),
        [...at, key],
      );
  }
}
