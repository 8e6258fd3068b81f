/**
 * What one peer can make this node hold through the anti-entropy protocol, in one place.
 * Over a limit the stream is reset (or refused before it is served), counted in the
 * network's metrics and emitted as a `refused` event: never a crash, never unbounded memory.
 *
 * A node holds at most `maxBytesTotal` bytes received on sync streams, at most
 * `maxBytesPerPeer` of them for one peer; a frame is at most `maxFrameBytes`; one peer has
 * at most `maxInboundStreamsPerPeer` inbound sync streams open at once (over all its
 * connections); and an exchange that does not finish within `timeoutMs` is reset, which
 * releases everything it held (a slow-loris stream ends there).
 */

export interface SyncLimits {
  /** The largest sync frame accepted (a whole document travels in one) or sent. A longer
   * declared length is refused on its 4-byte prefix, before more than the chunk that
   * carried the prefix is buffered. */
  maxFrameBytes: number;
  /** Inbound sync streams one peer may have open at once; the next ones are reset at once. */
  maxInboundStreamsPerPeer: number;
  /** Bytes received from one peer on sync streams (either direction) held at once; they
   * count from their arrival until their stream ends. */
  maxBytesPerPeer: number;
  /** The same, summed over every peer. */
  maxBytesTotal: number;
  /** A sync exchange (either side) still unfinished after this long is reset. */
  timeoutMs: number;
}

const MiB = 1024 * 1024;

/** The defaults. A 1,000-service document is ~0.44 MB (docs/crdt.md), so 16 MiB per frame
 * leaves ~35 times that headroom; 4 streams are more than an honest peer opens (it runs one
 * exchange with us at a time); 32 MiB is two full frames; 128 MiB lets four peers each send
 * two full frames at once. */
export const SYNC_LIMITS: Readonly<SyncLimits> = Object.freeze({
  maxFrameBytes: 16 * MiB,
  maxInboundStreamsPerPeer: 4,
  maxBytesPerPeer: 32 * MiB,
  maxBytesTotal: 128 * MiB,
  timeoutMs: 10_000,
});

/** Which limit stopped a sync stream. */
export type SyncLimitKind = 'frame-bytes' | 'streams-per-peer' | 'peer-bytes' | 'total-bytes' | 'timeout';

/** A sync stream was refused or reset because it went over one of the SyncLimits. */
export class SyncLimitError extends Error {
  override readonly name = 'SyncLimitError';
  constructor(
    readonly limit: SyncLimitKind,
    message: string,
  ) {
    super(message);
  }
}

/** The defaults with `overrides` applied; every value must be a positive integer. */
export function resolveLimits(overrides: Partial<SyncLimits> = {}): SyncLimits {
  const limits = { ...SYNC_LIMITS, ...overrides };
  for (const [key, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value <= 0)
      throw new RangeError(`sync limit ${key} must be a positive integer, got ${String(value)}`);
  }
  return limits;
}
