import { Writer } from './bytes.js';
import { type AliveMsg, decodePushPull, MsgType, type PushPullMsg, writePushPull } from './codec.js';
import { pushPullIntervalMs } from './config.js';
import type { Core } from './core.js';
import { JoinError, StreamError } from './errors.js';
import { aliveNode, deadNode, suspectNode } from './state.js';
import { MemberState } from './types.js';

/**
 * Push-pull: two members swap their whole member lists over a reliable stream and merge
 * them. Done on join (through the seeds) and periodically with one random live member and
 * one random dead one, so views that drifted apart, e.g. on both sides of a healed
 * partition, converge.
 * The interval grows with log2 N beyond 32 members (config.ts), keeping the per-node
 * rate of full-state exchanges falling as the state grows.
 */
export class PushPull {
  private readonly writer = new Writer(4096);

  constructor(private readonly core: Core) {}

  /** Our whole state, framed and sealed. */
  encode(join: boolean): Uint8Array {
    const core = this.core;
    const w = this.writer;
    core.envelope.begin(w);
    writePushPull(w, { join, count: core.members.size, members: core.members.values() });
    const bytes = core.envelope.finish(w);
    core.stats.sent.pushPullMsgs++;
    core.stats.sent.pushPullBytes += bytes.length;
    return bytes;
  }

  /** Opens and decodes a peer's state; null (and counted) when it is not acceptable. */
  open(from: string, data: Uint8Array): PushPullMsg | null {
    try {
      const { body, start } = this.core.envelope.open(data);
      return decodePushPull(body, start);
    } catch (err) {
      this.core.drop(err, from);
      return null;
    }
  }

  /** memberlist's mergeState: a remote "dead" only makes us suspect, never kill outright. */
  merge(remote: PushPullMsg): void {
    const core = this.core;
    for (const e of remote.members) {
      if (core.stopped) return;
      switch (e.state) {
        case MemberState.Alive: {
          const a: AliveMsg = {
            type: MsgType.Alive,
            incarnation: e.incarnation,
            node: e.name,
            addr: e.addr,
            meta: e.meta,
          };
          aliveNode(core, a);
          break;
        }
        case MemberState.Suspect:
        case MemberState.Dead:
          suspectNode(core, {
            type: MsgType.Suspect,
            incarnation: e.incarnation,
            node: e.name,
            from: core.self.name,
          });
          break;
        case MemberState.Left:
          deadNode(core, { type: MsgType.Dead, incarnation: e.incarnation, node: e.name, from: e.name });
          break;
      }
    }
  }

  /**
   * Merges a peer's push-pull, then answers with our state. Merging first means that if
   * the peer believed us dead, the reply already carries our refutation, so the two sides
   * of a healed partition take each other back in one exchange.
   */
  handleStream(from: string, data: Uint8Array): Uint8Array | null {
    const remote = this.open(from, data);
    if (remote === null || this.core.stopped) return null;
    this.merge(remote);
    return this.encode(false);
  }

  /** One exchange with `addr`. */
  exchange(addr: string, join: boolean, cb: (err: Error | null) => void): void {
    const core = this.core;
    core.transport.request(addr, this.encode(join), core.config.streamTimeout, (err, reply) => {
      if (err !== null || reply === null) {
        cb(err ?? new StreamError(`${addr} closed the stream without a reply`));
        return;
      }
      const remote = this.open(addr, reply);
      if (remote === null) {
        cb(new StreamError(`${addr} answered with a payload that does not open`));
        return;
      }
      this.merge(remote);
      cb(null);
    });
  }

  /**
   * Joins through `seeds`: each round tries every seed at once; the join succeeds when
   * one answers, and fails with JoinError after `joinRetries` rounds.
   */
  join(seeds: string[], cb: (err: Error | null, contacted: number) => void): void {
    const core = this.core;
    const rounds = Math.max(1, core.config.joinRetries);
    const round = (r: number): void => {
      if (seeds.length === 0) {
        cb(new JoinError(seeds, 0), 0);
        return;
      }
      let waiting = seeds.length;
      let ok = 0;
      let last: Error | null = null;
      for (const seed of seeds) {
        this.exchange(seed, true, (err) => {
          if (err) last = err;
          else ok++;
          if (--waiting > 0) return;
          if (ok > 0) cb(null, ok);
          else if (r + 1 < rounds && !core.stopped)
            core.clock.schedule(core.config.joinRetryDelay, round, r + 1);
          else cb(new JoinError(seeds, r + 1, { cause: last }), 0);
        });
      }
    };
    round(0);
  }

  /** Periodic exchanges with one random live member. */
  start(): void {
    const core = this.core;
    if (core.config.pushPullInterval <= 0) return;
    const first = core.random.next() * pushPullIntervalMs(core.config, core.liveCount);
    core.clock.schedule(first, periodic, this);
  }

  /** @internal */
  tick(): void {
    const core = this.core;
    if (core.stopped) return;
    const [peer] = core.randomMembers(1, null, true);
    if (peer !== undefined) this.exchange(peer.addr, false, () => {});
    // Reconnect (as serf does): also try one member we believe dead. Only a direct
    // exchange can cross a healed partition, since gossip goes to live members only.
    const dead = [];
    for (const m of core.members.values()) if (m.state === MemberState.Dead) dead.push(m);
    if (dead.length > 0) this.exchange(dead[core.random.int(dead.length)]!.addr, false, () => {});
    core.clock.schedule(pushPullIntervalMs(core.config, core.liveCount), periodic, this);
  }
}

function periodic(p: PushPull): void {
  p.tick();
}
