/**
 * The node's resolver for its containers, on port 53 (UDP and TCP) of the node's mesh
 * address. Every mesh container names it as its DNS server; the engine's embedded resolver
 * (127.0.0.11) still answers first with the replicas on this node, and asks here for names
 * it does not know: a service whose replicas run on other nodes. A name of no service is
 * forwarded to the host's own resolvers, so the rest of DNS works as before.
 *
 * Over UDP an answer is at most 512 bytes (about 30 replicas); a longer one is cut and marked
 * truncated, and the client asks again over TCP, which answers in full (RFC 7766: 2-byte
 * length before each message, several per connection). The engine's resolver asks here over
 * the protocol the container asked it.
 */
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket as TcpSocket } from 'node:net';
import type { Logger } from '../logger.js';
import {
  buildAnswer,
  DnsFormatError,
  formatErrorAnswer,
  parseQuery,
  RCODE_NXDOMAIN,
  RCODE_OK,
  TCP_ANSWER_MAX,
  TYPE_A,
  UDP_ANSWER_MAX,
} from './dns-codec.js';

/** What a name means for the container at `source`: addresses, or undefined (not ours). */
export type MeshResolve = (source: string, name: string) => string[] | undefined;

const FORWARD_TIMEOUT_MS = 3000;
/** A TCP client silent this long is closed (RFC 7766 suggests seconds). */
const TCP_IDLE_MS = 10_000;
/** TCP connections open at once; more are refused until one closes. */
const TCP_MAX_CONNECTIONS = 256;
/** Queries of one TCP connection waiting for their answers; a client that sends more is cut. */
const TCP_MAX_PENDING = 64;

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

/** A DNS message as TCP carries it: its length in 2 bytes first (RFC 1035 §4.2.2). */
function lengthPrefixed(msg: Buffer): Buffer {
  const out = Buffer.alloc(2 + msg.length);
  out.writeUInt16BE(msg.length, 0);
  msg.copy(out, 2);
  return out;
}

export class MeshDnsServer {
  private socket: Socket | undefined;
  private tcp: Server | undefined;
  private readonly conns = new Set<TcpSocket>();

  constructor(
    private readonly resolve: MeshResolve,
    private readonly logger: Logger,
    private readonly upstream: string[] = upstreamServers(),
  ) {}

  /** Binds UDP and TCP `port` on `address`; resolves with the port (0: a free one). */
  async listen(address: string, port = 53): Promise<number> {
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
    try {
      // The same port as the UDP socket's (port 0: the one it was given).
      this.tcp = await this.listenTcp(address, socket.address().port);
    } catch (err) {
      this.close();
      throw err;
    }
    return socket.address().port;
  }

  private async listenTcp(address: string, port: number): Promise<Server> {
    const server = createServer({ noDelay: true }, (conn) => this.serveTcp(conn));
    server.maxConnections = TCP_MAX_CONNECTIONS;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host: address, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.logger.warn({ err: err.message }, 'mesh dns tcp'));
    return server;
  }

  /** One TCP client: length-prefixed queries in, answers out in the order asked. */
  private serveTcp(conn: TcpSocket): void {
    const source = conn.remoteAddress?.replace(/^::ffff:/, '') ?? '';
    this.conns.add(conn);
    conn.on('close', () => this.conns.delete(conn));
    let buffered: Buffer = Buffer.alloc(0);
    let pending = 0;
    let replies: Promise<void> = Promise.resolve();
    conn.setTimeout(TCP_IDLE_MS, () => conn.destroy());
    conn.on('error', () => conn.destroy());
    conn.on('data', (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2) {
        const len = buffered.readUInt16BE(0);
        if (buffered.length < 2 + len) break;
        const msg = buffered.subarray(2, 2 + len);
        buffered = buffered.subarray(2 + len);
        if (++pending > TCP_MAX_PENDING) {
          conn.destroy();
          return;
        }
        const reply = this.answer(msg, source, 'tcp').catch((err) => {
          this.logger.warn({ err: (err as Error).message }, 'mesh dns: no answer');
          return undefined;
        });
        replies = replies.then(async () => {
          const r = await reply;
          pending--;
          if (!r || conn.destroyed) return;
          conn.write(lengthPrefixed(r));
        });
      }
    });
  }

  /** The reply to one query from `source`, or undefined to stay silent. */
  async answer(msg: Buffer, source: string, proto: 'udp' | 'tcp' = 'udp'): Promise<Buffer | undefined> {
    let q: ReturnType<typeof parseQuery>;
    try {
      q = parseQuery(msg);
    } catch (err) {
      if (err instanceof DnsFormatError) return formatErrorAnswer(msg);
      throw err;
    }
    const found = this.resolve(source, q.name);
    if (found === undefined) return proto === 'tcp' ? this.forwardTcp(msg) : this.forward(msg);
    const max = proto === 'tcp' ? TCP_ANSWER_MAX : UDP_ANSWER_MAX;
    // A service name with no ready replica: NXDOMAIN, as compose's resolver answers for a
    // stopped service; AAAA and other types of a service name: no records (the mesh is IPv4).
    if (found.length === 0) return buildAnswer(msg, q, [], RCODE_NXDOMAIN, 0, max);
    return buildAnswer(msg, q, q.type === TYPE_A ? found : [], RCODE_OK, 0, max);
  }

  /** A query that came over TCP goes on over TCP: the host's resolver may answer in full. */
  private forwardTcp(msg: Buffer): Promise<Buffer | undefined> {
    const server = this.upstream[0];
    if (!server) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      let got: Buffer = Buffer.alloc(0);
      const s = createConnection({ host: server, port: 53 });
      const done = (reply: Buffer | undefined) => {
        clearTimeout(timer);
        s.destroy();
        resolve(reply);
      };
      const timer = setTimeout(() => done(undefined), FORWARD_TIMEOUT_MS);
      s.on('connect', () => {
        s.write(lengthPrefixed(msg));
      });
      s.on('data', (chunk: Buffer) => {
        got = Buffer.concat([got, chunk]);
        if (got.length >= 2 && got.length >= 2 + got.readUInt16BE(0))
          done(got.subarray(2, 2 + got.readUInt16BE(0)));
      });
      s.on('error', () => done(undefined));
      s.on('close', () => done(undefined));
    });
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
    this.tcp?.close();
    this.tcp = undefined;
    for (const c of this.conns) c.destroy();
    this.conns.clear();
  }
}
