/**
 * What the protocol needs from a network, and nothing more (memberlist's Transport):
 * best-effort packets for probes and gossip, and a reliable request/response stream for
 * push-pull state exchange. Callbacks rather than promises, so a simulated network
 * delivers in simulated time and a run replays exactly.
 */
export interface TransportHandler {
  /** A packet arrived from `from` (the address to answer to). */
  packet(from: string, data: Uint8Array): void;
  /** A stream request arrived; the return value is the reply (null: close without reply). */
  stream(from: string, data: Uint8Array): Uint8Array | null;
}

export type StreamCallback = (err: Error | null, reply: Uint8Array | null) => void;

export interface Transport {
  /** The address other members reach this node at (`host:port`, or a simulated name). */
  readonly address: string;
  /** Starts delivering to `handler`. */
  listen(handler: TransportHandler): void;
  /** Sends one packet; best effort, never throws for network reasons. */
  sendPacket(to: string, data: Uint8Array): void;
  /** Sends `data` over a reliable stream and calls `cb` with the reply or an error. */
  request(to: string, data: Uint8Array, timeoutMs: number, cb: StreamCallback): void;
  close(): Promise<void>;
}

/** Counts of what a transport carried, for benchmarks and metrics. */
export interface TransportStats {
  packetsSent: number;
  packetBytesSent: number;
  streamsSent: number;
  streamBytesSent: number;
}
