import type { Clock } from './clock.js';
import { decodeMessages, MsgType, PUSH_PULL } from './codec.js';
import type { SwimConfig } from './config.js';
import { Core, type SwimStats } from './core.js';
import { TypedEmitter } from './emitter.js';
import { Envelope } from './envelope.js';
import { NotRunningError } from './errors.js';
import type { Keyring } from './keyring.js';
import type { MemberRecord } from './member.js';
import { encodeMeta, type NodeMeta } from './metadata.js';
import { Prober } from './probe.js';
import { PushPull } from './push-pull.js';
import { type Random, shuffle } from './random.js';
import type { MetaSigner } from './signer.js';
import { aliveNode, broadcastAlive, deadNode, selfAlive, suspectNode } from './state.js';
import type { Transport } from './transport.js';
import {
  type Logger,
  type Member,
  type MemberStateName,
  STATE_NAMES,
  type SwimEvents,
  silentLogger,
} from './types.js';
import { answerVerify, verifySuspect } from './verify.js';

export interface SwimOptions {
  config: SwimConfig;
  transport: Transport;
  clock: Clock;
  random: Random;
  /** Packets of another cluster id are dropped and counted; the id is bound into encryption. */
  clusterId: string;
  /** Required outside simulation. Without one the node sends plaintext (the codec still runs). */
  keyring?: Keyring;
  meta?: NodeMeta;
  /** Signs our metadata and checks everyone else's (signer.ts); none: nothing is signed. */
  signer?: MetaSigner;
  /** Start above a previous run's incarnation, if the caller kept it. */
  incarnation?: number;
  logger?: Logger;
}

/**
 * One member of a SWIM cluster with the Lifeguard refinements. Create it, `start()` it,
 * `join()` through seeds, listen to its typed events, `leave()` when done.
 */
export class Swim extends TypedEmitter<SwimEvents> {
  private readonly core: Core;
  private readonly prober: Prober;
  private readonly pushPull: PushPull;
  private started = false;

  constructor(opts: SwimOptions) {
    super();
    const meta = encodeMeta(opts.meta, opts.config.maxMetaBytes);
    const envelope = new Envelope(opts.clusterId, opts.keyring);
    const emit = (event: keyof SwimEvents, m: MemberRecord) => {
      if (this.listens(event)) this.emit(event, m.view());
    };
    this.core = new Core(
      opts.config,
      opts.clock,
      opts.random,
      opts.transport,
      envelope,
      opts.logger ?? silentLogger,
      emit,
      meta,
      opts.signer ?? null,
    );
    this.core.self.incarnation = opts.incarnation ?? 0;
    this.core.self.stateChange = opts.clock.now();
    this.prober = new Prober(this.core);
    this.core.verifySuspect = (m, incarnation, done) => verifySuspect(this.core, m, incarnation, done);
    this.pushPull = new PushPull(this.core);
  }

  get name(): string {
    return this.core.self.name;
  }

  get address(): string {
    return this.core.self.addr;
  }

  get incarnation(): number {
    return this.core.self.incarnation;
  }

  /** Lifeguard's local health score (0 = healthy). */
  get healthScore(): number {
    return this.core.awareness.getHealthScore();
  }

  /** Alive and suspect members, self included. */
  get numLive(): number {
    return this.core.liveCount;
  }

  get stats(): SwimStats {
    return this.core.stats;
  }

  /**
   * Adds members as alive without gossip or events: a simulation seeding full membership
   * instead of running N joins.
   */
  bootstrap(peers: Array<{ name: string; addr: string }>): void {
    const empty = new Uint8Array(0);
    for (const p of peers)
      if (p.name !== this.name)
        aliveNode(
          this.core,
          { type: MsgType.Alive, incarnation: 0, node: p.name, addr: p.addr, meta: empty },
          true,
        );
    shuffle(this.core.probeList, this.core.random);
  }

  /** Starts listening, probing and periodic push-pull. `announce: false` skips gossiping our own alive. */
  start(options: { announce?: boolean } = {}): void {
    if (this.started) return;
    this.started = true;
    const core = this.core;
    core.transport.listen({
      packet: (from, data) => this.handlePacket(from, data),
      stream: (from, data) => (core.stopped ? null : this.handleStream(from, data)),
    });
    if (options.announce !== false) broadcastAlive(core);
    this.prober.start();
    this.pushPull.start();
  }

  /** Joins through any of `seeds`; resolves with how many answered, rejects with SwimJoinError. */
  join(seeds: string[]): Promise<number> {
    return new Promise((resolve, reject) => this.joinCb(seeds, (err, n) => (err ? reject(err) : resolve(n))));
  }

  /** `join` with a callback, for simulations that drive a manual clock. */
  joinCb(seeds: string[], cb: (err: Error | null, contacted: number) => void): void {
    if (!this.started || this.core.stopped) {
      cb(new NotRunningError('start the node before joining'), 0);
      return;
    }
    this.pushPull.join(
      seeds.filter((s) => s !== this.address),
      cb,
    );
  }

  /** Changes our metadata; gossiped as an alive message with a higher incarnation. */
  setMeta(meta: NodeMeta): void {
    const core = this.core;
    core.setSelfMeta(encodeMeta(meta, core.config.maxMetaBytes));
    core.self.incarnation++;
    broadcastAlive(core);
  }

  /** Tells the cluster we are leaving, gossips it for `leavePropagateDelay`, then stops. */
  leave(): Promise<void> {
    return new Promise((resolve) => this.leaveCb(() => resolve()));
  }

  leaveCb(done: () => void): void {
    const core = this.core;
    if (core.stopped || core.leaving) {
      done();
      return;
    }
    core.leaving = true;
    const self = core.self;
    deadNode(core, { type: MsgType.Dead, incarnation: self.incarnation, node: self.name, from: self.name });
    // Send the departure to a few members right away rather than waiting for a gossip round.
    for (const m of core.randomMembers(core.config.gossipNodes, null, true)) core.sendMsg(m.addr, null);
    core.clock.schedule(
      core.config.leavePropagateDelay,
      () => {
        void this.stop().then(done);
      },
      null,
    );
  }

  /** Stops at once: no goodbye (others will detect the silence). */
  async stop(): Promise<void> {
    const core = this.core;
    if (core.stopped) return;
    core.stopped = true;
    core.stopGossip();
    for (const m of core.members.values()) {
      m.suspicion?.cancel();
      m.suspicion = null;
      m.reapTimer?.cancel();
      m.reapTimer = null;
    }
    await core.transport.close();
  }

  members(): Member[] {
    return [...this.core.members.values()].map((m) => m.view());
  }

  member(name: string): Member | undefined {
    return this.core.members.get(name)?.view();
  }

  /** The state of one member, without building a view (cheap, for simulations). */
  stateOf(name: string): MemberStateName | undefined {
    const m = this.core.members.get(name);
    return m === undefined ? undefined : STATE_NAMES[m.state];
  }

  /** The incarnation we hold for `name`. */
  incarnationOf(name: string): number | undefined {
    return this.core.members.get(name)?.incarnation;
  }

  /** A stream carries either a push-pull or a suspicion to answer (verify.ts). */
  private handleStream(from: string, data: Uint8Array): Uint8Array | null {
    const core = this.core;
    try {
      const { body, start } = core.envelope.open(data);
      if (body[start] === PUSH_PULL) return this.pushPull.handleStream(from, data);
      return answerVerify(core, from, body, start);
    } catch (err) {
      core.drop(err, from);
      return null;
    }
  }

  private handlePacket(from: string, data: Uint8Array): void {
    const core = this.core;
    if (core.stopped) return;
    let msgs: ReturnType<typeof decodeMessages>;
    try {
      const { body, start } = core.envelope.open(data);
      msgs = decodeMessages(body, start);
    } catch (err) {
      core.drop(err, from);
      return;
    }
    for (const m of msgs) {
      if (core.stopped) return;
      switch (m.type) {
        case MsgType.Ping:
          this.prober.handlePing(from, m);
          break;
        case MsgType.IndirectPing:
          this.prober.handleIndirectPing(from, m);
          break;
        case MsgType.Ack:
          this.prober.handleAck(m);
          break;
        case MsgType.Nack:
          this.prober.handleNack(m);
          break;
        case MsgType.Suspect:
          suspectNode(core, m);
          // An accuser that still suspects us (typically its ping carried the suspicion)
          // may have missed our refutation: answer it directly, not only by gossip.
          if (m.node === core.self.name && !core.leaving) core.sendMsg(from, null, selfAlive(core));
          break;
        case MsgType.Alive:
          if (m.addr !== '') aliveNode(core, m);
          break;
        case MsgType.Dead:
          deadNode(core, m);
          break;
      }
    }
  }
}
