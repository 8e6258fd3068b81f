/**
 * A swim/ `Transport` for a node that is one address `host:P`: probes and gossip go over
 * UDP port P (node:dgram), and push-pull / verify streams go over the libp2p protocol
 * `/fizz/swim/1` on the libp2p host that listens on TCP port P — so the streams inherit
 * libp2p's private network (a peer without the cluster key cannot even open one), noise
 * and yamux, and reuse the connection the state gossip already holds.
 *
 * One request and one reply per stream, each `[length u32][payload]` (swim-frame.ts).
 * Frames over the cap, streams cut short, stalled peers and oversize packets are dropped
 * and counted in `stats.dropped`, never thrown.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { Stream } from '@libp2p/interface';
import type { StreamCallback, Transport, TransportHandler, TransportStats } from '../../../swim/index.js';
import { SwimFrameError, SwimStreamError } from './errors.js';
import { addressOfMultiaddr, multiaddrOf, splitAddress } from './keys.js';
import { encodeFrame, readFrame } from './swim-frame.js';

export const SWIM_PROTOCOL = '/fizz/swim/1';

/** What the transport needs of the libp2p host (ClusterNet has it). */
export interface StreamHost {
  handle(
    protocol: string,
    handler: (stream: Stream, remote: { peerId: string; addr: string }) => void | Promise<void>,
    options?: { maxInboundStreams?: number },
  ): Promise<void>;
  openStream(addr: string, protocol: string, options?: { signal?: AbortSignal }): Promise<Stream>;
}

export interface Libp2pSwimTransportOptions {
  /** A UDP socket already bound to host:P (see bindUdp). */
  udp: Socket;
  /** The advertised host (the node's one address is `host:P`). */
  host: string;
  streams: StreamHost;
  /** The libp2p peer id behind a SWIM address, when membership knows it: the dial then
   * reuses the open connection and checks the remote's identity. */
  peerIdFor?: (addr: string) => string | undefined;
  /** Largest stream frame accepted (default 16 MiB, a push-pull of tens of thousands of members). */
  maxStreamBytes?: number;
  /** Largest UDP packet accepted (default 65,507, the most UDP over IPv4 carries). */
  maxPacketBytes?: number;
  /** An inbound stream that has not delivered its request by then is aborted (default 5 s). */
  inboundTimeoutMs?: number;
}

export interface Libp2pSwimTransportStats extends TransportStats {
  packetsReceived: number;
  streamsReceived: number;
  streamsFailed: number;
  sendErrors: number;
  /** What was dropped and why. */
  dropped: {
    oversizeFrame: number;
    truncatedFrame: number;
    timeout: number;
    emptyPacket: number;
    oversizePacket: number;
  };
}

/** Binds a UDP socket; with port 0 the system picks a free port. */
export function bindUdp(host: string, port: number): Promise<Socket> {
  const udp = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  return new Promise((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(port, host, () => {
      udp.off('error', reject);
      resolve(udp);
    });
  });
}

export class Libp2pSwimTransport implements Transport {
  readonly address: string;
  readonly stats: Libp2pSwimTransportStats = {
    packetsSent: 0,
    packetBytesSent: 0,
    streamsSent: 0,
    streamBytesSent: 0,
    packetsReceived: 0,
    streamsReceived: 0,
    streamsFailed: 0,
    sendErrors: 0,
    dropped: { oversizeFrame: 0, truncatedFrame: 0, timeout: 0, emptyPacket: 0, oversizePacket: 0 },
  };
  private handler: TransportHandler | null = null;
  private closed = false;
  private readonly inflight = new Set<AbortController>();
  private readonly maxStreamBytes: number;
  private readonly maxPacketBytes: number;
  private readonly inboundTimeoutMs: number;
  private peerIdFor: (addr: string) => string | undefined;

  private constructor(private readonly opts: Libp2pSwimTransportOptions) {
    const port = opts.udp.address().port;
    this.address = `${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
    this.maxStreamBytes = opts.maxStreamBytes ?? 16 * 1024 * 1024;
    this.maxPacketBytes = opts.maxPacketBytes ?? 65_507;
    this.inboundTimeoutMs = opts.inboundTimeoutMs ?? 5_000;
    this.peerIdFor = opts.peerIdFor ?? (() => undefined);
    opts.udp.on('message', (msg, rinfo) => this.onPacket(msg, `${rinfo.address}:${rinfo.port}`));
    opts.udp.on('error', () => {
      this.stats.sendErrors++;
    });
  }

  /** Wraps a bound UDP socket and registers `/fizz/swim/1` on the libp2p host (before it starts). */
  static async create(opts: Libp2pSwimTransportOptions): Promise<Libp2pSwimTransport> {
    const t = new Libp2pSwimTransport(opts);
    await opts.streams.handle(SWIM_PROTOCOL, (stream, remote) => t.serve(stream, remote.addr), {
      maxInboundStreams: 64,
    });
    return t;
  }

  /** Tells the transport which libp2p peer id stands behind a SWIM address (from membership). */
  setPeerIdResolver(resolve: (addr: string) => string | undefined): void {
    this.peerIdFor = resolve;
  }

  listen(handler: TransportHandler): void {
    this.handler = handler;
  }

  sendPacket(to: string, data: Uint8Array): void {
    if (this.closed) return;
    const { host, port } = splitAddress(to);
    if (port === 0) return;
    this.stats.packetsSent++;
    this.stats.packetBytesSent += data.length;
    this.opts.udp.send(data, port, host, (err) => {
      if (err) this.stats.sendErrors++;
    });
  }

  request(to: string, data: Uint8Array, timeoutMs: number, cb: StreamCallback): void {
    if (this.closed) {
      cb(new SwimStreamError('transport closed'), null);
      return;
    }
    const addr = multiaddrOf(to, this.peerIdFor(to));
    if (addr === null) {
      cb(new SwimStreamError(`'${to}' is not a host:port address`), null);
      return;
    }
    const ctl = new AbortController();
    this.inflight.add(ctl);
    const timer = setTimeout(
      () => ctl.abort(new SwimStreamError(`stream to ${to} timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );
    this.stats.streamsSent++;
    this.stats.streamBytesSent += data.length;
    this.exchange(addr, data, ctl.signal).then(
      (reply) => finish(null, reply),
      (err: unknown) => {
        this.stats.streamsFailed++;
        if (ctl.signal.aborted) this.stats.dropped.timeout++;
        else this.countFrameError(err);
        const e =
          ctl.signal.aborted && ctl.signal.reason instanceof Error
            ? ctl.signal.reason
            : err instanceof SwimStreamError || err instanceof SwimFrameError
              ? err
              : new SwimStreamError(`stream to ${to} failed: ${(err as Error)?.message}`, { cause: err });
        finish(e, null);
      },
    );
    const finish = (err: Error | null, reply: Uint8Array | null) => {
      clearTimeout(timer);
      this.inflight.delete(ctl);
      cb(err, reply);
    };
  }

  /** One request/reply over a new stream; the abort signal covers dial, write and read. */
  private async exchange(addr: string, data: Uint8Array, signal: AbortSignal): Promise<Uint8Array> {
    const stream = await this.opts.streams.openStream(addr, SWIM_PROTOCOL, { signal });
    const onAbort = () => stream.abort(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      if (!stream.send(encodeFrame(data))) await stream.onDrain({ signal });
      await stream.close({ signal });
      const reply = await readFrame(stream, this.maxStreamBytes);
      if (reply === null) throw new SwimStreamError(`${addr} closed the stream without a reply`);
      return reply;
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)));
      throw err;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  private async serve(stream: Stream, remoteAddr: string): Promise<void> {
    const handler = this.handler;
    if (this.closed || handler === null) {
      stream.abort(new SwimStreamError('not listening'));
      return;
    }
    this.stats.streamsReceived++;
    const from = addressOfMultiaddr(remoteAddr);
    const timer = setTimeout(() => {
      this.stats.dropped.timeout++;
      stream.abort(new SwimStreamError(`no request from ${from} within ${this.inboundTimeoutMs} ms`));
    }, this.inboundTimeoutMs);
    try {
      const request = await readFrame(stream, this.maxStreamBytes);
      clearTimeout(timer);
      const reply = request === null || this.closed ? null : handler.stream(from, request);
      if (reply === null) {
        stream.abort(new SwimStreamError('no reply'));
        return;
      }
      this.stats.streamsSent++;
      this.stats.streamBytesSent += reply.length;
      if (!stream.send(encodeFrame(reply))) await stream.onDrain();
      await stream.close();
    } catch (err) {
      clearTimeout(timer);
      this.countFrameError(err);
      stream.abort(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private onPacket(msg: Buffer, from: string): void {
    if (this.closed || this.handler === null) return;
    if (msg.length === 0) {
      this.stats.dropped.emptyPacket++;
      return;
    }
    if (msg.length > this.maxPacketBytes) {
      this.stats.dropped.oversizePacket++;
      return;
    }
    this.stats.packetsReceived++;
    this.handler.packet(from, msg);
  }

  private countFrameError(err: unknown): void {
    if (err instanceof SwimFrameError) {
      if (err.reason === 'oversize') this.stats.dropped.oversizeFrame++;
      else this.stats.dropped.truncatedFrame++;
    }
  }

  /** Closes the UDP socket and aborts streams in flight; the libp2p host is stopped by its owner. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const ctl of this.inflight) ctl.abort(new SwimStreamError('transport closed'));
    await new Promise<void>((resolve) => this.opts.udp.close(() => resolve()));
  }
}
