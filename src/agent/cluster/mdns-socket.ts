/**
 * The sockets of mdns.ts: a member's responder, which lives as long as its membership, and a
 * joiner's query. Both bind the mDNS port on every address (a socket bound to one unicast
 * address gets no multicast on Linux), join the group on the interface of the node's own
 * address and send from it: inside a network namespace or on a host with several links
 * there may be no route for 224.0.0.0/4, and the default one may lead elsewhere.
 */
import { createSocket, type Socket } from 'node:dgram';
import { AUTHORITATIVE_ANSWER, encode, type Packet } from 'dns-packet';
import type { Logger } from '../logger.js';
import {
  AnswerLimit,
  asksFor,
  decodeMdns,
  MDNS_ANSWERS_PER_S,
  MDNS_GROUP,
  MDNS_PORT,
  MDNS_QUERY_MS,
  type MdnsSelf,
  mdnsAddresses,
  mdnsAnswers,
} from './mdns.js';

export interface MdnsSocketOptions {
  /** The IPv4 address of the interface to join the group on and send from. */
  host: string;
  /** For tests: another group or port than mDNS's. */
  group?: string;
  port?: number;
}

export class MdnsError extends Error {
  override readonly name = 'MdnsError';
}

async function open(o: MdnsSocketOptions, onMessage: (msg: Buffer) => void): Promise<Socket> {
  const s = createSocket({ type: 'udp4', reuseAddr: true });
  s.on('message', onMessage);
  try {
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(o.port ?? MDNS_PORT, () => {
        s.off('error', reject);
        resolve();
      });
    });
    s.addMembership(o.group ?? MDNS_GROUP, o.host);
    s.setMulticastInterface(o.host);
    s.setMulticastTTL(255);
    s.setMulticastLoopback(true);
  } catch (err) {
    s.close();
    throw new MdnsError(`mDNS on ${o.host}: ${(err as Error).message}`, { cause: err });
  }
  return s;
}

function send(s: Socket, o: MdnsSocketOptions, p: Packet, logger?: Logger): void {
  const bytes = encode(p);
  s.send(bytes, o.port ?? MDNS_PORT, o.group ?? MDNS_GROUP, (err) => {
    if (err) logger?.debug({ err: err.message }, 'mDNS send');
  });
}

export interface MdnsResponderOptions extends MdnsSocketOptions {
  service: string;
  self: MdnsSelf;
  logger: Logger;
  clock?: () => number;
}

/** Answers questions for the cluster's service, at most MDNS_ANSWERS_PER_S a second. */
export class MdnsResponder {
  /** Packets answered, refused by the rate limit, and that did not decode. */
  readonly stats = { answered: 0, limited: 0, malformed: 0 };
  private constructor(
    private readonly socket: Socket,
    private readonly o: MdnsResponderOptions,
  ) {}

  static async start(o: MdnsResponderOptions): Promise<MdnsResponder> {
    const clock = o.clock ?? Date.now;
    const limit = new AnswerLimit(MDNS_ANSWERS_PER_S, clock());
    const answers = mdnsAnswers(o.service, o.self);
    let r: MdnsResponder | undefined;
    const socket = await open(o, (msg) => {
      if (!r) return;
      const packet = decodeMdns(msg);
      if (!packet) {
        r.stats.malformed++;
        return;
      }
      if (!asksFor(packet, o.service)) return;
      if (!limit.allow(clock())) {
        r.stats.limited++;
        return;
      }
      r.stats.answered++;
      send(socket, o, { type: 'response', flags: AUTHORITATIVE_ANSWER, answers }, o.logger);
    });
    socket.on('error', (err) => o.logger.debug({ err: err.message }, 'mDNS socket'));
    r = new MdnsResponder(socket, o);
    o.logger.info({ service: o.service, interface: o.host }, 'answering mDNS');
    return r;
  }

  async stop(): Promise<void> {
    try {
      this.socket.dropMembership(this.o.group ?? MDNS_GROUP, this.o.host);
    } catch {
      // the interface may be gone already
    }
    await new Promise<void>((r) => this.socket.close(() => r()));
  }
}

/**
 * Asks for `service` (at once, then each second) for up to `timeoutMs`: the cluster addresses
 * members gave, ending a moment after the first answer. Malformed packets are skipped.
 */
export async function mdnsDiscover(
  o: MdnsSocketOptions & { service: string; timeoutMs?: number },
): Promise<string[]> {
  const found = new Set<string>();
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => {
    done = r;
  });
  let grace: NodeJS.Timeout | undefined;
  const socket = await open(o, (msg) => {
    const before = found.size;
    for (const a of mdnsAddresses(decodeMdns(msg), o.service)) found.add(a);
    if (found.size > before && !grace) grace = setTimeout(done, 300);
  });
  socket.on('error', () => {});
  const ask = () => send(socket, o, { type: 'query', questions: [{ name: o.service, type: 'PTR' }] });
  ask();
  const again = setInterval(ask, 1000);
  const end = setTimeout(done, o.timeoutMs ?? MDNS_QUERY_MS);
  await finished;
  clearInterval(again);
  clearTimeout(end);
  clearTimeout(grace);
  await new Promise<void>((r) => socket.close(() => r()));
  return [...found];
}
