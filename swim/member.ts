import type { Timer } from './clock.js';
import { decodeMeta } from './metadata.js';
import type { Suspicion } from './suspicion.js';
import { type Member, MemberState, STATE_NAMES } from './types.js';

/** One member as this node tracks it. Mutable; callers only ever see `view()` copies. */
export class MemberRecord {
  state: MemberState = MemberState.Alive;
  /** When `state` last changed (ms on the node's clock). */
  stateChange = 0;
  suspicion: Suspicion | null = null;
  /** Removes it from the member list once it has been dead or left long enough (reap.ts). */
  reapTimer: Timer | null = null;

  constructor(
    readonly name: string,
    public addr: string,
    public incarnation: number,
    /** As on the wire (signed, when the node has a signer): what is gossiped on. */
    public meta: Uint8Array,
    /** The metadata itself (`meta` when nothing is signed). */
    public plain: Uint8Array = meta,
  ) {}

  /** Alive or suspect: counted in N, probed, eligible to relay. */
  get live(): boolean {
    return this.state <= MemberState.Suspect;
  }

  view(): Member {
    let meta = {};
    try {
      meta = decodeMeta(this.plain);
    } catch {
      // a peer's malformed metadata is shown as empty, never thrown at the caller
    }
    return {
      name: this.name,
      address: this.addr,
      incarnation: this.incarnation,
      state: STATE_NAMES[this.state],
      meta,
    };
  }
}
