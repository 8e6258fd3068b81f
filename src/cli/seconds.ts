import { UsageError } from 'clipanion';

/** The value of a `-t, --timeout` option: a whole number of seconds, else a usage error. */
export function parseTimeout(value: string): number {
  const t = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(t))
    throw new UsageError(`--timeout wants a whole number of seconds, not "${value}"`);
  return t;
}
