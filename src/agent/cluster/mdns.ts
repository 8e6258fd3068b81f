/**
 * Finding a cluster on the LAN by multicast DNS, for `fizz join --token T` with a token that
 * names no reachable member. The service name comes from the cluster's fingerprint (already
 * public: every token carries it), never from the key or a join secret:
 * `_fizz-<16 hex>._udp.local`. A member answers a question for it with DNS-SD records:
 * PTR service → `<node id>.<service>`, SRV and TXT (`a=host:port`) of that instance, and the
 * A record of its target. Pure functions over decoded packets; every field is hostile.
 */
import { type Answer, decode, type Packet } from 'dns-packet';
import { parseAddress } from './config.js';

/** The IPv4 mDNS group and port (RFC 6762). */
export const MDNS_GROUP = '224.0.0.251';
export const MDNS_PORT = 5353;
/** How long a joiner listens for answers. */
export const MDNS_QUERY_MS = 3_000;
/** Answers a member sends per second at most (a burst of as many). */
export const MDNS_ANSWERS_PER_S = 5;
const TTL_S = 120;
const MAX_RECORDS = 64;
const MAX_FOUND = 8;

export interface MdnsSelf {
  /** The node id (`node-<uuid>`): the instance label. */
  id: string;
  /** `host:port`, the member's cluster address (IPv4). */
  address: string;
}

/** `_fizz-<first 16 hex of the fingerprint>._udp.local`. */
export function mdnsService(fingerprint: Uint8Array): string {
  return `_fizz-${Buffer.from(fingerprint).toString('hex').slice(0, 16)}._udp.local`;
}

/** A packet, or undefined for anything that does not decode. */
export function decodeMdns(bytes: Uint8Array): Packet | undefined {
  try {
    return decode(Buffer.from(bytes)) as Packet;
  } catch {
    return undefined;
  }
}

const sameName = (a: unknown, b: string) => typeof a === 'string' && a.toLowerCase() === b.toLowerCase();
const records = (v: unknown): unknown[] => (Array.isArray(v) ? v.slice(0, MAX_RECORDS) : []);
const field = (v: unknown, k: string): unknown =>
  v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;

/** Whether `packet` is a query that asks for `service` (PTR, SRV, TXT or ANY). */
export function asksFor(packet: unknown, service: string): boolean {
  if (field(packet, 'type') !== 'query') return false;
  return records(field(packet, 'questions')).some(
    (q) =>
      sameName(field(q, 'name'), service) && ['PTR', 'SRV', 'TXT', 'ANY'].includes(String(field(q, 'type'))),
  );
}

/** The records a member answers a query for `service` with. */
export function mdnsAnswers(service: string, self: MdnsSelf): Answer[] {
  const { host, port } = parseAddress(self.address);
  const instance = `${self.id}.${service}`;
  const target = `${self.id}.local`;
  return [
    { name: service, type: 'PTR', ttl: TTL_S, data: instance },
    { name: instance, type: 'SRV', ttl: TTL_S, data: { port, target } },
    { name: instance, type: 'TXT', ttl: TTL_S, data: [`a=${self.address}`] },
    { name: target, type: 'A', ttl: TTL_S, data: host },
  ];
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** A `host:port` that names an IPv4 address and a port, else undefined. */
function address(text: string): string | undefined {
  if (text.length > 64) return undefined;
  const { host, port } = parseAddress(text, 0);
  return IPV4.test(host) && port > 0 ? `${host}:${port}` : undefined;
}

/**
 * The cluster addresses a response gives for `service`: each instance's TXT `a=`, else its
 * SRV port on the A address of its target. Anything else in the packet is ignored.
 */
export function mdnsAddresses(packet: unknown, service: string): string[] {
  if (field(packet, 'type') !== 'response') return [];
  const all = [...records(field(packet, 'answers')), ...records(field(packet, 'additionals'))];
  const suffix = `.${service.toLowerCase()}`;
  const ofService = (r: unknown) => {
    const n = field(r, 'name');
    return typeof n === 'string' && n.toLowerCase().endsWith(suffix);
  };
  const hosts = new Map<string, string>();
  for (const r of all) {
    const name = field(r, 'name');
    const data = field(r, 'data');
    if (field(r, 'type') === 'A' && typeof name === 'string' && typeof data === 'string')
      hosts.set(name.toLowerCase(), data);
  }
  const found = new Set<string>();
  const add = (a: string | undefined) => {
    if (a && found.size < MAX_FOUND) found.add(a);
  };
  for (const r of all.filter(ofService)) {
    const data = field(r, 'data');
    if (field(r, 'type') === 'TXT') {
      for (const d of Array.isArray(data) ? data.slice(0, 16) : [data]) {
        const s = Buffer.isBuffer(d) ? d.toString('utf8') : typeof d === 'string' ? d : '';
        if (s.startsWith('a=')) add(address(s.slice(2)));
      }
    } else if (field(r, 'type') === 'SRV') {
      const port = field(data, 'port');
      const target = field(data, 'target');
      const host = typeof target === 'string' ? hosts.get(target.toLowerCase()) : undefined;
      if (host && typeof port === 'number') add(address(`${host}:${port}`));
    }
  }
  return [...found];
}

/** A token bucket: `perSecond` answers a second, bursts of as many. The clock is handed in. */
export class AnswerLimit {
  private tokens: number;
  private at: number;

  constructor(
    private readonly perSecond: number,
    now: number,
  ) {
    this.tokens = perSecond;
    this.at = now;
  }

  allow(now: number): boolean {
    this.tokens = Math.min(
      this.perSecond,
      this.tokens + (Math.max(0, now - this.at) * this.perSecond) / 1000,
    );
    this.at = Math.max(this.at, now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
