/** Casting interpolated strings to the types the compose model wants (as compose-go does). */
import { ComposeValueError } from './errors.js';

export function toInt(v: unknown): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^[-+]?\d+$/.test(v.trim())) return Number.parseInt(v.trim(), 10);
  throw new ComposeValueError(`invalid integer ${JSON.stringify(v)}`, { expected: 'an integer' });
}

export function toNumber(v: unknown): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  throw new ComposeValueError(`invalid number ${JSON.stringify(v)}`, { expected: 'a number' });
}

const TRUE = new Set(['y', 'yes', 'true', 'on']);
const FALSE = new Set(['n', 'no', 'false', 'off']);

export function toBool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (TRUE.has(s)) return true;
    if (FALSE.has(s)) return false;
  }
  throw new ComposeValueError(`invalid boolean ${JSON.stringify(v)}`, { expected: 'true or false' });
}
