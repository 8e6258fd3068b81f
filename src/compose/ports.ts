/**
 * The short port syntax, `[[HOST_IP:][PUBLISHED[-END]]:]TARGET[-END][/PROTOCOL]`, to long
 * entries, one per container port (ranges expanded as docker compose does).
 */
import { ComposeValueError } from './errors.js';

export interface LongPort {
  mode: string;
  host_ip?: string;
  target: number;
  published?: string;
  protocol: string;
}

const EXPECTED = '[HOST_IP:][PUBLISHED:]TARGET[/PROTOCOL], ports 0-65535, ranges as START-END';

function bad(spec: string, why: string): ComposeValueError {
  return new ComposeValueError(`invalid port ${JSON.stringify(spec)}: ${why}`, { expected: EXPECTED });
}

function parseRange(text: string, spec: string, min: number): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  if (!m) throw bad(spec, `${JSON.stringify(text)} is not a port or a range`);
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  if (start < min || start > 65535 || end < min || end > 65535)
    throw bad(spec, `port out of range ${min}-65535`);
  if (end < start) throw bad(spec, `range ${text} ends before it starts`);
  return [start, end];
}

export function parsePortSpec(spec: string): LongPort[] {
  let rest = spec.trim();
  let protocol = 'tcp';
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    protocol = rest.slice(slash + 1);
    rest = rest.slice(0, slash);
    if (!protocol) throw bad(spec, 'empty protocol');
  }
  let hostIp: string | undefined;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0 || rest[close + 1] !== ':') throw bad(spec, 'unterminated IPv6 address');
    hostIp = rest.slice(1, close);
    rest = rest.slice(close + 2);
  }
  const parts = rest.split(':');
  let published: string | undefined;
  let target: string;
  if (hostIp !== undefined) {
    if (parts.length === 1) target = parts[0]!;
    else if (parts.length === 2) [published, target] = parts as [string, string];
    else throw bad(spec, 'too many colons');
  } else if (parts.length === 1) target = parts[0]!;
  else if (parts.length === 2) [published, target] = parts as [string, string];
  else if (parts.length === 3) [hostIp, published, target] = parts as [string, string, string];
  else {
    // An unbracketed IPv6 host address: the last two parts are the ports.
    target = parts.pop()!;
    published = parts.pop()!;
    hostIp = parts.join(':');
  }
  if (published === '') published = undefined;
  const [t0, t1] = parseRange(target, spec, 1);
  const base: Omit<LongPort, 'target'> = { mode: 'ingress', protocol };
  if (hostIp) base.host_ip = hostIp;
  if (published === undefined) {
    const out: LongPort[] = [];
    for (let t = t0; t <= t1; t++) out.push({ ...base, target: t });
    return out;
  }
  const [p0, p1] = parseRange(published, spec, 0);
  if (t0 === t1) return [{ ...base, target: t0, published: p0 === p1 ? String(p0) : `${p0}-${p1}` }];
  if (p1 - p0 !== t1 - t0) throw bad(spec, 'the published and target ranges must have the same length');
  const out: LongPort[] = [];
  for (let t = t0; t <= t1; t++) out.push({ ...base, target: t, published: String(p0 + (t - t0)) });
  return out;
}
