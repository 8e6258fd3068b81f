/**
 * What one node can make another hold or wait for through `/fizz/api/1`, in one place.
 * The answering node pings every `pingMs` while it works; the asking node gives up on a
 * node it has heard nothing from for `idleMs`, so a killed or cut-off node is a per-node
 * error within seconds, never a hang, while `logs -f` of a quiet container stays open.
 */
export interface RemoteLimits {
  /** The largest frame accepted (a `top` answer of many containers is the largest honest one). */
  maxFrameBytes: number;
  /** Bytes that may wait to be sent to a node that does not read before its stream is dropped. */
  maxQueuedBytes: number;
  /** Time for the dial and the protocol negotiation with the other node. */
  dialTimeoutMs: number;
  /** Time the answering node waits for the request frame after the stream opened. */
  requestTimeoutMs: number;
  /** How often the answering node pings while it works. */
  pingMs: number;
  /** Silence after which the asking node gives the other up. */
  idleMs: number;
  /** Streams of this protocol one connection may have open at once. */
  maxInboundStreams: number;
}

const MiB = 1024 * 1024;

export const REMOTE_LIMITS: Readonly<RemoteLimits> = Object.freeze({
  maxFrameBytes: 4 * MiB,
  maxQueuedBytes: 16 * MiB,
  dialTimeoutMs: 5_000,
  requestTimeoutMs: 5_000,
  pingMs: 2_000,
  // Five pings missed: a node under load may stall a moment, a dead one is known in 10 s.
  idleMs: 10_000,
  maxInboundStreams: 32,
});

/** Output and input are cut into frames of at most this many bytes. */
export const DATA_CHUNK = 256 * 1024;
