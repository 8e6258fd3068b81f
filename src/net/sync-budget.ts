/**
 * The accounting behind SyncLimits, pure (no timers, no I/O): inbound stream slots per
 * peer, and bytes held per peer and in total. A slot or a lease is given back exactly once,
 * however often its release is called, so an error path that releases twice cannot free
 * another stream's share.
 */
import { SyncLimitError, type SyncLimits } from './limits.js';

/** Bytes held for one stream; `hold` throws SyncLimitError (holding nothing more) when over. */
export interface ByteLease {
  hold(n: number): void;
  release(): void;
  readonly held: number;
}

export interface BudgetUsage {
  inboundStreams: number;
  bytesHeld: number;
  /** Peers with a stream slot or bytes held. */
  peers: number;
}

export class SyncBudget {
  private readonly streams = new Map<string, number>();
  private readonly bytes = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly limits: Pick<
      SyncLimits,
      'maxInboundStreamsPerPeer' | 'maxBytesPerPeer' | 'maxBytesTotal'
    >,
  ) {}

  /** Takes an inbound stream slot of `peer` and returns its release, or throws SyncLimitError. */
  admitInbound(peer: string): () => void {
    const open = this.streams.get(peer) ?? 0;
    if (open >= this.limits.maxInboundStreamsPerPeer) {
      throw new SyncLimitError(
        'streams-per-peer',
        `peer already has ${open} inbound sync streams open (limit ${this.limits.maxInboundStreamsPerPeer})`,
      );
    }
    this.streams.set(peer, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.streams.get(peer) ?? 1) - 1;
      if (left > 0) this.streams.set(peer, left);
      else this.streams.delete(peer);
    };
  }

  lease(peer: string): ByteLease {
    let held = 0;
    let released = false;
    return {
      hold: (n: number) => {
        if (released) throw new SyncLimitError('peer-bytes', 'the stream was already released');
        const peerBytes = this.bytes.get(peer) ?? 0;
        if (peerBytes + n > this.limits.maxBytesPerPeer) {
          throw new SyncLimitError(
            'peer-bytes',
            `peer would hold ${peerBytes + n} bytes on sync streams (limit ${this.limits.maxBytesPerPeer})`,
          );
        }
        if (this.total + n > this.limits.maxBytesTotal) {
          throw new SyncLimitError(
            'total-bytes',
            `sync streams would hold ${this.total + n} bytes in total (limit ${this.limits.maxBytesTotal})`,
          );
        }
        this.bytes.set(peer, peerBytes + n);
        this.total += n;
        held += n;
      },
      release: () => {
        if (released) return;
        released = true;
        const left = (this.bytes.get(peer) ?? held) - held;
        if (left > 0) this.bytes.set(peer, left);
        else this.bytes.delete(peer);
        this.total -= held;
        held = 0;
      },
      get held() {
        return held;
      },
    };
  }

  inboundOf(peer: string): number {
    return this.streams.get(peer) ?? 0;
  }

  bytesOf(peer: string): number {
    return this.bytes.get(peer) ?? 0;
  }

  usage(): BudgetUsage {
    let inboundStreams = 0;
    for (const n of this.streams.values()) inboundStreams += n;
    return {
      inboundStreams,
      bytesHeld: this.total,
      peers: new Set([...this.streams.keys(), ...this.bytes.keys()]).size,
    };
  }
}
