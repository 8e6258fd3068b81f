import { Writer } from './bytes.js';
import {
  type AliveMsg,
  type DigestRequestMsg,
  decodePushPull,
  decodePushPullBody,
  MsgType,
  type PushPullMsg,
  writeDigestReply,
  writeDigestRequest,
  writePushPull,
} from './codec.js';
import { pushPullIntervalMs } from './config.js';
import type { Core } from './core.js';
import { type Digest, DigestCache, sameDigest } from './digest.js';
import { DecodeError, JoinError, StreamError } from './errors.js';
import { aliveNode, deadNode, suspectNode } from './state.js';
import { MemberState } from './types.js';

/**
 * Push-pull: two members swap their whole member lists over a reliable stream and merge
 * them. Done on join (through the seeds) and periodically with one random live member and
 * one random dead one (reaped ones included), so views that drifted apart, e.g. on both
 * sides of a healed partition, converge.
 * The periodic exchange with a live member is digest-first (ringpop's checksum): the
 * initiator sends a 64-bit digest of its member list (digest.ts) and its member count;
 * the peer answers "same" in 3 bytes, or "differs", and only then are the whole lists
 * swapped. Views agree almost always, so the per-node cost stops growing with N. Joins and
 * the reconnect to a dead member always swap whole lists (the two sides are known or
 * likely to differ).
 * The interval grows with log2 N beyond 32 members (config.ts).
 */
export class PushPull {
  private readonly writer = new Writer(4096);
  private readonly digestCache = new DigestCache();
  /** Digest requests answered, by outcome (tests and diagnostics). */
  readonly digests = { same: 0, differ: 0 };

  constructor(private readonly core: Core) {}

  /** The digest of our member list (cached until the membership changes). */
  digest(): Digest {
    return this.digestCache.get(this.core.changes, this.core.members);
  }

  private sealDigest(d: DigestRequestMsg | null, same: boolean): Uint8Array {
    const core = this.core;
    const w = this.writer;
    core.envelope.begin(w);
    if (d !== null) writeDigestRequest(w, d);
    else writeDigestReply(w, same);
    const bytes = core.envelope.finish(w);
    core.stats.sent.pushPullMsgs++;
    core.stats.sent.pushPullBytes += bytes.length;
    return bytes;
  }

  /** Our whole state, framed and sealed. */
  encode(join: boolean): Uint8Array {
    const core = this.core;
    const w = this.writer;
    core.signSelf();
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
   * Answers a push-pull stream. A full state is merged first, then answered with ours:
   * if the peer believed us dead, the reply already carries our refutation, so the two
   * sides of a healed partition take each other back in one exchange. A digest is
   * answered with whether it equals ours.
   */
  handleStream(from: string, data: Uint8Array): Uint8Array | null {
    const core = this.core;
    let body: ReturnType<typeof decodePushPullBody>;
    try {
      const opened = core.envelope.open(data);
      body = decodePushPullBody(opened.body, opened.start);
      if (body.kind === 'reply') throw new DecodeError('a digest reply sent as a request');
    } catch (err) {
      core.drop(err, from);
      return null;
    }
    if (core.stopped) return null;
    if (body.kind === 'digest') {
      const same = sameDigest(body.digest, this.digest());
      if (same) this.digests.same++;
      else this.digests.differ++;
      return this.sealDigest(null, same);
    }
    this.merge(body.msg);
    return this.encode(false);
  }

  /**
   * The periodic sync with a live member: digests first, whole lists only if they differ.
   * A peer that does not answer the digest (unreachable, or a release without digests) is
   * left to its own periodic exchanges, which are full.
   */
  sync(addr: string): void {
    const core = this.core;
    core.transport.request(
      addr,
      this.sealDigest(this.digest(), false),
      core.config.streamTimeout,
      (err, reply) => {
        if (err !== null || reply === null || core.stopped) return;
        let same: boolean;
        try {
          const { body, start } = core.envelope.open(reply);
          const b = decodePushPullBody(body, start);
          if (b.kind !== 'reply') throw new DecodeError(`a ${b.kind} sent in reply to a digest`);
          same = b.same;
        } catch (e) {
          core.drop(e, addr);
          return;
        }
        if (!same) this.exchange(addr, false, () => {});
      },
    );
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
    if (peer !== undefined) this.sync(peer.addr);
    // Reconnect (as serf does): also try one member we believe dead, reaped ones included
    // (reap.ts). Only a direct exchange can cross a healed partition, since gossip goes to
    // live members only (and to dead ones only until they are reaped).
    const dead = core.dead;
    const reaped = core.reaped.dead(core.clock.now());
    const n = dead.length + reaped.length;
    if (n > 0) {
      const i = core.random.int(n);
      this.exchange(i < dead.length ? dead[i]!.addr : reaped[i - dead.length]!.addr, false, () => {});
    }
    core.clock.schedule(pushPullIntervalMs(core.config, core.liveCount), periodic, this);
  }
}

function periodic(p: PushPull): void {
  p.tick();
}
