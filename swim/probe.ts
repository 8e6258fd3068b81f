import { type AckMsg, type IndirectPingMsg, MsgType, type NackMsg, type PingMsg } from './codec.js';
import type { Core } from './core.js';
import type { MemberRecord } from './member.js';
import { suspectNode } from './state.js';
import { MemberState } from './types.js';

/**
 * Failure detection: each period, probe the next member in the shuffled order with a
 * ping; if no ack comes within the probe timeout, ask `k` random members to ping it for
 * us (indirect probes, answered with an ack or, under Lifeguard, a nack); if nothing
 * acks by the end of the period, suspect it. Under Lifeguard both the timeout and the
 * period are stretched by the local health score, and missing nacks raise that score.
 */
interface Pending {
  owner: Prober;
  relay: boolean;
  seq: number;
  target: MemberRecord | null;
  acked: boolean;
  indirectSent: boolean;
  nacks: number;
  expectedNacks: number;
  /** relay only: who asked, and under which sequence number */
  origSeq: number;
  origAddr: string;
  wantNack: boolean;
}

export class Prober {
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly core: Core) {}

  /** Starts the probe loop after a random fraction of a period, so nodes do not tick in step. */
  start(): void {
    this.core.clock.schedule(this.core.random.next() * this.core.config.probeInterval, tick, this);
  }

  /** @internal */
  probeNext(): void {
    const core = this.core;
    if (core.stopped) return;
    const target = core.nextProbeTarget();
    const period = core.awareness.scaleTimeout(core.config.probeInterval);
    if (target === null) {
      core.clock.schedule(period, tick, this);
      return;
    }
    const seq = core.nextSeq();
    core.stats.probes++;
    const p: Pending = {
      owner: this,
      relay: false,
      seq,
      target,
      acked: false,
      indirectSent: false,
      nacks: 0,
      expectedNacks: 0,
      origSeq: 0,
      origAddr: '',
      wantNack: false,
    };
    this.pending.set(seq, p);
    const ping: PingMsg = {
      type: MsgType.Ping,
      seq,
      target: target.name,
      source: core.self.name,
      sourceAddr: core.self.addr,
    };
    // A suspect learns of its suspicion from its prober directly, so it can refute at once.
    const buddy =
      target.state === MemberState.Suspect
        ? { type: MsgType.Suspect, incarnation: target.incarnation, node: target.name, from: core.self.name }
        : null;
    core.sendMsg(target.addr, ping, buddy as never);
    core.clock.schedule(core.awareness.scaleTimeout(core.config.probeTimeout), probeTimeout, p);
    core.clock.schedule(period, probeEnd, p);
  }

  /** @internal */
  indirect(p: Pending): void {
    const core = this.core;
    if (p.acked || core.stopped || p.target === null) return;
    const lifeguard = core.config.lifeguard;
    const relays = core.randomMembers(core.config.indirectChecks, p.target, true);
    p.indirectSent = true;
    p.expectedNacks = lifeguard ? relays.length : 0;
    for (const r of relays) {
      const msg: IndirectPingMsg = {
        type: MsgType.IndirectPing,
        seq: p.seq,
        target: p.target.name,
        targetAddr: p.target.addr,
        wantNack: lifeguard,
        source: core.self.name,
        sourceAddr: core.self.addr,
      };
      core.sendMsg(r.addr, msg);
    }
  }

  /** @internal */
  end(p: Pending): void {
    const core = this.core;
    this.pending.delete(p.seq);
    if (core.stopped) return;
    const target = p.target!;
    if (!p.acked) {
      core.stats.probesFailed++;
      if (core.config.lifeguard) {
        // Relays that could not even nack suggest the trouble is ours, not the target's.
        const missing = p.expectedNacks > 0 ? p.expectedNacks - p.nacks : 1;
        if (missing > 0) core.awareness.applyDelta(missing);
      }
      if (target.live)
        suspectNode(core, {
          type: MsgType.Suspect,
          incarnation: target.incarnation,
          node: target.name,
          from: core.self.name,
        });
    }
    this.probeNext();
  }

  handlePing(from: string, m: PingMsg): void {
    const core = this.core;
    if (m.target !== core.self.name) return;
    const ack: AckMsg = { type: MsgType.Ack, seq: m.seq };
    core.sendMsg(from, ack);
  }

  handleIndirectPing(from: string, m: IndirectPingMsg): void {
    const core = this.core;
    const seq = core.nextSeq();
    const p: Pending = {
      owner: this,
      relay: true,
      seq,
      target: null,
      acked: false,
      indirectSent: false,
      nacks: 0,
      expectedNacks: 0,
      origSeq: m.seq,
      origAddr: m.sourceAddr !== '' ? m.sourceAddr : from,
      wantNack: m.wantNack,
    };
    this.pending.set(seq, p);
    const ping: PingMsg = {
      type: MsgType.Ping,
      seq,
      target: m.target,
      source: core.self.name,
      sourceAddr: core.self.addr,
    };
    core.sendMsg(m.targetAddr, ping);
    core.clock.schedule(core.config.probeTimeout, relayTimeout, p);
  }

  handleAck(m: AckMsg): void {
    const p = this.pending.get(m.seq);
    if (p === undefined || p.acked) return;
    p.acked = true;
    const core = this.core;
    if (p.relay) {
      this.pending.delete(p.seq);
      core.sendMsg(p.origAddr, { type: MsgType.Ack, seq: p.origSeq });
      return;
    }
    if (!p.indirectSent && core.config.lifeguard) core.awareness.applyDelta(-1);
  }

  handleNack(m: NackMsg): void {
    const p = this.pending.get(m.seq);
    if (p !== undefined && !p.relay) p.nacks++;
  }

  /** @internal */
  relayExpired(p: Pending): void {
    if (this.pending.get(p.seq) !== p) return;
    this.pending.delete(p.seq);
    if (!p.acked && p.wantNack && !this.core.stopped)
      this.core.sendMsg(p.origAddr, { type: MsgType.Nack, seq: p.origSeq });
  }
}

function tick(prober: Prober): void {
  prober.probeNext();
}
function probeTimeout(p: Pending): void {
  p.owner.indirect(p);
}
function probeEnd(p: Pending): void {
  p.owner.end(p);
}
function relayTimeout(p: Pending): void {
  p.owner.relayExpired(p);
}
