import { createSocket, type Socket } from 'node:dgram';
import { createConnection, createServer, type Server, type Socket as TcpSocket } from 'node:net';
import { StreamError } from './errors.js';
import type { StreamCallback, Transport, TransportHandler, TransportStats } from './transport.js';

/** Largest stream payload accepted (a push-pull of some tens of thousands of members). */
const MAX_STREAM_BYTES = 16 * 1024 * 1024;
/**
 * Inbound streams served at once. A stream is read before it can be authenticated, so
 * without a cap anyone who can reach the port could open connections until the buffered
 * frames (up to 16 MiB each) exhaust memory. A push-pull is one short exchange; beyond
 * this many at once the extra connections are closed by the server.
 */
export const MAX_INBOUND_STREAMS = 32;

export interface UdpTransportOptions {
  /** Address to bind and advertise (e.g. 127.0.0.1). */
  host: string;
  /** 0 picks a free port for both UDP and TCP. */
  port: number;
}

/**
 * The real network: UDP (node:dgram) for probes and gossip, and a TCP stream on the same
 * port number for push-pull. A stream carries one request and one reply, each framed as
 * [length u32][payload]; a frame over 16 MiB or a peer that stalls past the deadline ends
 * the connection.
 */
export class UdpTransport implements Transport {
  readonly stats: TransportStats = { packetsSent: 0, packetBytesSent: 0, streamsSent: 0, streamBytesSent: 0 };
  /** Send errors reported by the socket (unreachable host and the like). */
  sendErrors = 0;
  private handler: TransportHandler | null = null;
  private closed = false;
  private readonly open = new Set<TcpSocket>();

  private constructor(
    private readonly udp: Socket,
    private readonly tcp: Server,
    readonly address: string,
  ) {
    udp.on('message', (msg, rinfo) => {
      if (this.handler && !this.closed) this.handler.packet(`${rinfo.address}:${rinfo.port}`, msg);
    });
    udp.on('error', () => {
      this.sendErrors++;
    });
    tcp.maxConnections = MAX_INBOUND_STREAMS;
    tcp.on('connection', (sock) => this.serve(sock));
  }

  /** Binds UDP and TCP on the same port; with port 0 retries until both get the same free port. */
  static async create(opts: UdpTransportOptions): Promise<UdpTransport> {
    for (let attempt = 0; ; attempt++) {
      const udp = createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(opts.port, opts.host, () => {
          udp.off('error', reject);
          resolve();
        });
      });
      const port = udp.address().port;
      const tcp = createServer();
      try {
        await new Promise<void>((resolve, reject) => {
          tcp.once('error', reject);
          tcp.listen(port, opts.host, () => {
            tcp.off('error', reject);
            resolve();
          });
        });
      } catch (err) {
        udp.close();
        if (opts.port !== 0 || attempt >= 20) throw err;
        continue;
      }
      return new UdpTransport(udp, tcp, `${opts.host}:${port}`);
    }
  }

  listen(handler: TransportHandler): void {
    this.handler = handler;
  }

  sendPacket(to: string, data: Uint8Array): void {
    if (this.closed) return;
    const { host, port } = split(to);
    if (port === 0) return;
    this.stats.packetsSent++;
    this.stats.packetBytesSent += data.length;
    this.udp.send(data, port, host, (err) => {
      if (err) this.sendErrors++;
    });
  }

  request(to: string, data: Uint8Array, timeoutMs: number, cb: StreamCallback): void {
    if (this.closed) {
      cb(new StreamError('transport closed'), null);
      return;
    }
    const { host, port } = split(to);
    let done = false;
    const finish = (err: Error | null, reply: Uint8Array | null) => {
      if (done) return;
      done = true;
      sock.destroy();
      this.open.delete(sock);
      cb(err, reply);
    };
    const sock = createConnection({ host, port });
    this.open.add(sock);
    this.stats.streamsSent++;
    this.stats.streamBytesSent += data.length;
    sock.setTimeout(timeoutMs, () =>
      finish(new StreamError(`stream to ${to} timed out after ${timeoutMs} ms`), null),
    );
    sock.on('error', (err) =>
      finish(new StreamError(`stream to ${to} failed: ${err.message}`, { cause: err }), null),
    );
    sock.on('connect', () => sock.write(frame(data)));
    readFrame(sock, (err, payload) => {
      if (err) finish(err, null);
      else finish(null, payload);
    });
    sock.on('close', () => finish(new StreamError(`${to} closed the stream without a reply`), null));
  }

  private serve(sock: TcpSocket): void {
    if (this.closed) {
      sock.destroy();
      return;
    }
    this.open.add(sock);
    sock.setTimeout(10_000, () => sock.destroy());
    sock.on('error', () => sock.destroy());
    sock.on('close', () => this.open.delete(sock));
    const from = `${sock.remoteAddress}:${sock.remotePort}`;
    readFrame(sock, (err, payload) => {
      if (err || payload === null || this.handler === null || this.closed) {
        sock.destroy();
        return;
      }
      const reply = this.handler.stream(from, payload);
      if (reply === null) {
        sock.destroy();
        return;
      }
      this.stats.streamsSent++;
      this.stats.streamBytesSent += reply.length;
      sock.end(frame(reply));
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.open) s.destroy();
    await Promise.all([
      new Promise<void>((resolve) => this.udp.close(() => resolve())),
      new Promise<void>((resolve) => this.tcp.close(() => resolve())),
    ]);
  }
}

function split(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  const port = i > 0 ? Number(addr.slice(i + 1)) : 0;
  return { host: addr.slice(0, i), port: Number.isInteger(port) && port > 0 && port < 65536 ? port : 0 };
}

function frame(data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(4 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.set(data, 4);
  return out;
}

/** Reads one [length u32][payload] frame from `sock`. */
function readFrame(sock: TcpSocket, cb: (err: Error | null, payload: Uint8Array | null) => void): void {
  const chunks: Buffer[] = [];
  let have = 0;
  let want = -1;
  let done = false;
  sock.on('data', (chunk: Buffer) => {
    if (done) return;
    chunks.push(chunk);
    have += chunk.length;
    if (want < 0 && have >= 4) {
      want = Buffer.concat(chunks).readUInt32BE(0);
      if (want > MAX_STREAM_BYTES) {
        done = true;
        cb(new StreamError(`stream frame of ${want} bytes is over the limit`), null);
        return;
      }
    }
    if (want >= 0 && have >= 4 + want) {
      done = true;
      cb(null, Buffer.concat(chunks).subarray(4, 4 + want));
    }
  });
}
