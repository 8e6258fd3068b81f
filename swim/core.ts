import { Awareness } from './awareness.js';
import { Writer } from './bytes.js';
import type { Clock, Timer } from './clock.js';
import { type Message, writeMessage } from './codec.js';
import { retransmitLimit, type SwimConfig } from './config.js';
import type { Envelope } from './envelope.js';
import { AuthError, VersionError, WrongClusterError } from './errors.js';
import { MemberRecord } from './member.js';
import { BroadcastQueue } from './queue.js';
import { type Random, shuffle } from './random.js';
import { ReapedList } from './reap.js';
import type { Transport } from './transport.js';
import type { DropReason, Logger, SwimEvents } from './types.js';

/** Messages and bytes sent, by purpose: probing is flat in N, the rest is dissemination. */
export interface TrafficStats {
  /** ping, indirect ping, ack, nack (with whatever updates they piggyback) */
  probeMsgs: number;
  probeBytes: number;
  /** packets of the gossip rounds that spread queued updates */
  gossipMsgs: number;
  gossipBytes: number;
  /** push-pull stream payloads (requests and replies) */
  pushPullMsgs: number;
  pushPullBytes: number;
}

export interface SwimStats {
  sent: TrafficStats;
  dropped: Record<DropReason, number>;
  /** Suspicions of others this node let time out into a dead declaration. */
  declaredDead: number;
  /** Times this node refuted a suspicion or death of itself. */
  refutations: number;
  /** Probes this node started, and those that got no ack in their period (the target is then suspected). */
  probes: number;
  probesFailed: number;
  /** Members this node's view turned suspect, and suspects it saw alive again (their refutation). */
  suspicions: number;
  suspicionsRefuted: number;
  /** Dead or left members removed from the member list (`gossipToTheDeadTime` after). */
  reaped: number;
}

export type Emit = (event: keyof SwimEvents, m: MemberRecord) => void;

/**
 * The state one node's protocol parts share: its view of the members, the probe order,
 * the piggyback queue, its health, and the helpers that frame and send packets.
 * Internal to swim/; the public face is `Swim` (swim.ts).
 */
export class Core {
  readonly members = new Map<string, MemberRecord>();
  readonly self: MemberRecord;
  /** Live members other than self, probed round-robin; reshuffled at each wrap. */
  probeList: MemberRecord[] = [];
  probeIndex = 0;
  /** Alive or suspect members, self included: the protocol's N. */
  liveCount = 1;
  /** Members in state dead (not left), oldest death first: gossiped to until reaped. */
  readonly dead: MemberRecord[] = [];
  /** Reaped members still remembered (reap.ts). */
  readonly reaped: ReapedList;
  readonly queue = new BroadcastQueue();
  readonly awareness: Awareness;
  seq = 0;
  /** Membership updates made so far (every state change is broadcast, and reaps): invalidates the digest. */
  changes = 0;
  stopped = false;
  leaving = false;
  /**
   * Asked before a suspicion that timed out here becomes a death (verify.ts); null
   * declares at once.
   */
  verifySuspect: ((m: MemberRecord, incarnation: number, done: (refuted: boolean) => void) => void) | null =
    null;
  readonly stats: SwimStats = {
    sent: { probeMsgs: 0, probeBytes: 0, gossipMsgs: 0, gossipBytes: 0, pushPullMsgs: 0, pushPullBytes: 0 },
    dropped: { auth: 0, cluster: 0, version: 0, decode: 0 },
    declaredDead: 0,
    refutations: 0,
    probes: 0,
    probesFailed: 0,
    suspicions: 0,
    suspicionsRefuted: 0,
    reaped: 0,
  };
  private readonly packetWriter: Writer;
  private readonly msgWriter = new Writer(512);
  private readonly picked: Uint8Array[] = [];
  /** @internal */
  gossipTimer: Timer | null = null;

  constructor(
    readonly config: SwimConfig,
    readonly clock: Clock,
    readonly random: Random,
    readonly transport: Transport,
    readonly envelope: Envelope,
    readonly logger: Logger,
    readonly emit: Emit,
    meta: Uint8Array,
  ) {
    this.awareness = new Awareness(config.awarenessMaxMultiplier);
    this.reaped = new ReapedList(config.maxReaped, config.reconnectTimeout);
    this.packetWriter = new Writer(Math.max(2048, config.packetSize * 2));
    this.self = new MemberRecord(config.name, transport.address, 0, meta);
    this.members.set(config.name, this.self);
  }

  get incarnation(): number {
    return this.self.incarnation;
  }

  nextSeq(): number {
    this.seq = (this.seq + 1) >>> 0;
    return this.seq;
  }

  /** Encodes an update once and queues it for piggybacking; starts gossip rounds. */
  broadcast(key: string, m: Message): void {
    const w = this.msgWriter;
    w.reset();
    writeMessage(w, m);
    this.queue.queue(key, w.copy());
    this.changes++;
    if (this.gossipTimer === null && !this.stopped && this.config.gossipNodes > 0)
      this.gossipTimer = this.clock.schedule(this.config.gossipInterval, gossipTick, this);
  }

  /** Sends `m` to `addr`, with as many queued updates as fit in the packet. */
  sendMsg(addr: string, m: Message | null, second: Message | null = null): void {
    const w = this.packetWriter;
    const env = this.envelope;
    env.begin(w);
    if (m !== null) writeMessage(w, m);
    if (second !== null) writeMessage(w, second);
    const used = w.pos - 6;
    this.piggyback(w, this.config.packetSize - env.overhead - used);
    const bytes = env.finish(w);
    if (m === null) {
      this.stats.sent.gossipMsgs++;
      this.stats.sent.gossipBytes += bytes.length;
    } else {
      this.stats.sent.probeMsgs++;
      this.stats.sent.probeBytes += bytes.length;
    }
    this.transport.sendPacket(addr, bytes);
  }

  private piggyback(w: Writer, space: number): number {
    if (this.queue.length === 0) return 0;
    const picked = this.picked;
    picked.length = 0;
    this.queue.take(picked, space, 0, retransmitLimit(this.config, this.liveCount));
    for (const b of picked) w.raw(b);
    const n = picked.length;
    picked.length = 0;
    return n;
  }

  /** Adds a member to the probe order at a random place ahead (memberlist does the same). */
  addToProbeList(m: MemberRecord): void {
    const list = this.probeList;
    const lo = Math.min(this.probeIndex, list.length);
    const at = lo + this.random.int(list.length - lo + 1);
    list.splice(at, 0, m);
  }

  /** The next live member to probe, reshuffling the order at each wrap. */
  nextProbeTarget(): MemberRecord | null {
    for (let tries = 0; tries < 2; tries++) {
      while (this.probeIndex < this.probeList.length) {
        const m = this.probeList[this.probeIndex++]!;
        if (m.live && m !== this.self) return m;
      }
      const fresh: MemberRecord[] = [];
      for (const m of this.members.values()) if (m.live && m !== this.self) fresh.push(m);
      this.probeList = shuffle(fresh, this.random);
      this.probeIndex = 0;
      if (fresh.length === 0) return null;
    }
    return null;
  }

  /** Up to `k` distinct random alive members, none of them `exclude` or self. */
  randomMembers(k: number, exclude: MemberRecord | null, aliveOnly: boolean): MemberRecord[] {
    const list = this.probeList;
    const out: MemberRecord[] = [];
    if (list.length === 0 || k <= 0) return out;
    for (let tries = 0; tries < 3 * k + 3 && out.length < k; tries++) {
      const m = list[this.random.int(list.length)]!;
      if (m === exclude || m === this.self || !m.live || out.includes(m)) continue;
      if (aliveOnly && m.state !== 0) continue;
      out.push(m);
    }
    return out;
  }

  /**
   * memberlist's gossip targets: up to `k` distinct random members among the live ones
   * and the dead ones not yet reaped (so a member wrongly declared dead hears of it);
   * never left members or self.
   */
  gossipTargets(k: number): MemberRecord[] {
    const dead = this.dead;
    if (dead.length === 0) return this.randomMembers(k, null, false);
    const list = this.probeList;
    const n = list.length + dead.length;
    const out: MemberRecord[] = [];
    for (let tries = 0; tries < 3 * k + 3 && out.length < k; tries++) {
      const i = this.random.int(n);
      const m = i < list.length ? list[i]! : dead[i - list.length]!;
      if (m === this.self || out.includes(m) || (i < list.length && !m.live)) continue;
      out.push(m);
    }
    return out;
  }

  /** Counts a packet or stream dropped for `err` (never rethrown: hostile input is not a crash). */
  drop(err: unknown, from: string): void {
    const reason: DropReason =
      err instanceof AuthError
        ? 'auth'
        : err instanceof WrongClusterError
          ? 'cluster'
          : err instanceof VersionError
            ? 'version'
            : 'decode';
    this.stats.dropped[reason]++;
    this.logger.debug('dropped packet', { from, reason, error: (err as Error)?.message });
  }

  stopGossip(): void {
    this.gossipTimer?.cancel();
    this.gossipTimer = null;
  }
}

/** A gossip round: while updates are queued, send them to a few random members. */
function gossipTick(core: Core): void {
  core.stopGossip();
  if (core.stopped || core.queue.length === 0) return;
  const targets = core.gossipTargets(core.config.gossipNodes);
  for (const t of targets) {
    if (core.queue.length === 0) break;
    core.sendMsg(t.addr, null);
  }
  if (core.queue.length > 0)
    core.gossipTimer = core.clock.schedule(core.config.gossipInterval, gossipTick, core);
}
