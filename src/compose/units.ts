/** Durations (`1m30s`, `500ms`) to nanoseconds and byte sizes (`512m`, `1.5GB`) to bytes. */
import { ComposeValueError } from './errors.js';

const DURATION_UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** A Go-style duration (or a number of seconds) in integer nanoseconds. */
export function parseDuration(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.round(value * 1e9);
  const text = typeof value === 'string' ? value.trim() : (JSON.stringify(value) ?? '');
  const fail = () =>
    new ComposeValueError(`invalid duration ${JSON.stringify(text)}`, {
      expected: 'a duration such as 30s, 1m30s or 500ms',
    });
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  let sign = 1;
  let body = text;
  if (body.startsWith('-') || body.startsWith('+')) {
    sign = body.startsWith('-') ? -1 : 1;
    body = body.slice(1);
  }
  if (!body) throw fail();
  re.lastIndex = 0;
  for (;;) {
    if (pos === body.length) break;
    re.lastIndex = pos;
    const m = re.exec(body);
    if (!m) throw fail();
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    pos = re.lastIndex;
  }
  return sign * Math.round(total);
}

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

/** A docker byte size (`512m`, `1gb`, `100`) in bytes, binary units as docker uses them. */
export function parseByteSize(value: unknown): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return Math.round(value);
  const text = typeof value === 'string' ? value.trim() : (JSON.stringify(value) ?? '');
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b)?$/i.exec(text);
  if (!m || (m[3] !== undefined && m[2] === '' && m[3].toLowerCase() !== 'b'))
    throw new ComposeValueError(`invalid byte size ${JSON.stringify(text)}`, {
      expected: 'a size such as 512m, 1g, 1.5GB or a number of bytes',
    });
  const unit = (m[2] || 'b').toLowerCase();
  return Math.round(Number(m[1]) * SIZE_UNITS[unit]!);
}

/** Nanoseconds as a Go duration string (`1m30s`, `500ms`), the way docker compose prints them. */
export function formatDuration(ns: number): string {
  if (ns === 0) return '0s';
  const sign = ns < 0 ? '-' : '';
  let rest = Math.abs(ns);
  if (rest < 1e3) return `${sign}${rest}ns`;
  if (rest < 1e6) return `${sign}${rest / 1e3}µs`;
  if (rest < 1e9) return `${sign}${rest / 1e6}ms`;
  let out = '';
  const h = Math.floor(rest / 3600e9);
  rest -= h * 3600e9;
  const m = Math.floor(rest / 60e9);
  rest -= m * 60e9;
  if (h) out += `${h}h`;
  if (h || m) out += `${m}m`;
  out += `${Number((rest / 1e9).toFixed(9))}s`;
  return sign + out;
}
