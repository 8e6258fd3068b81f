/**
 * The node's resolver for its containers, on UDP port 53 of the node's mesh address. Every
 * mesh container names it as its DNS server; the engine's embedded resolver (127.0.0.11)
 * still answers first with the replicas on this node, and asks here for names it does not
 * know: a service whose replicas run on other nodes. A name of no service is forwarded to
 * the host's own resolvers, so the rest of DNS works as before.
 */
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import type { Logger } from '../logger.js';
import {
  buildAnswer,
  DnsFormatError,
  formatErrorAnswer,
  parseQuery,
  RCODE_NXDOMAIN,
  RCODE_OK,
  TYPE_A,
} from './dns-codec.js';

/** What a name means for the container at `source`: addresses, or undefined (not ours). */
export type MeshResolve = (source: string, name: string) => string[] | undefined;

const FORWARD_TIMEOUT_MS = 3000;

/** The host's resolvers, from resolv.conf (what containers would use without the mesh). */
export function upstreamServers(file = '/etc/resolv.conf'): string[] {
  try {
    return readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => /^\s*nameserver\s+([0-9.]+)\s*$/.exec(l)?.[1])
      .filter((ip): ip is string => ip !== undefined);
  } catch {
    return [];
  }
}

export class MeshDnsServer {
  private socket: Socket | undefined;

  constructor(
    private readonly resolve: MeshResolve,
    private readonly logger: Logger,
    private readonly upstream: string[] = upstreamServers(),
  ) {}

  async listen(address: string, port = 53): Promise<void> {
    const socket = createSocket({ type: 'udp4', reuseAddr: true });
    socket.on('message', (msg, rinfo) => {
      this.answer(msg, rinfo.address)
        .then((reply) => {
          if (reply) socket.send(reply, rinfo.port, rinfo.address);
        })
        .catch((err) => this.logger.warn({ err: (err as Error).message }, 'mesh dns: no answer'));
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.on('error', (err) => this.logger.warn({ err: err.message }, 'mesh dns socket'));
    this.socket = socket;
  }

  /** The reply to one query from `source`, or undefined to stay silent. */
  async answer(msg: Buffer, source: string): Promise<Buffer | undefined> {
    let q: ReturnType<typeof parseQuery>;
    try {
      q = parseQuery(msg);
    } catch (err) {
      if (err instanceof DnsFormatError) return formatErrorAnswer(msg);
      throw err;
    }
    const found = this.resolve(source, q.name);
    if (found === undefined) return this.forward(msg);
    // A service name with no ready replica: NXDOMAIN, as compose's resolver answers for a
    // stopped service; AAAA and other types of a service name: no records (the mesh is IPv4).
    if (found.length === 0) return buildAnswer(msg, q, [], RCODE_NXDOMAIN);
    return buildAnswer(msg, q, q.type === TYPE_A ? found : [], RCODE_OK);
  }

  private forward(msg: Buffer): Promise<Buffer | undefined> {
    const server = this.upstream[0];
    if (!server) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const s = createSocket('udp4');
      const done = (reply: Buffer | undefined) => {
        clearTimeout(timer);
        s.close();
        resolve(reply);
      };
      const timer = setTimeout(() => done(undefined), FORWARD_TIMEOUT_MS);
      s.on('message', (reply) => done(reply));
      s.on('error', () => done(undefined));
      s.send(msg, 53, server);
    });
  }

  close(): void {
    this.socket?.close();
    this.socket = undefined;
  }
}
