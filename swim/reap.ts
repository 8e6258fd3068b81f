import { type AliveMsg, MsgType } from './codec.js';
import type { Core } from './core.js';
import type { MemberRecord } from './member.js';
import { MemberState } from './types.js';

/**
 * Reaping, as memberlist and serf do it. A member declared dead or left is removed from
 * the member list `gossipToTheDeadTime` after that (memberlist drops it at the same age);
 * until then gossip rounds may still pick a dead member (core.ts), so one wrongly declared
 * dead hears of it and refutes.
 *
 * A reaped member is remembered (`ReapedList`, bounded by `maxReaped` and
 * `reconnectTimeout`, serf's reconnect list) with the address and incarnation it died at:
 * - an alive about it at that incarnation or below is stale, or comes from a live member
 *   that never heard it was declared dead (the far side of a long partition, a restarted
 *   process at incarnation 0). It is dropped, and the suspicion is sent to the address in
 *   it (at most once per probe interval): a live member refutes with a higher incarnation
 *   and answers directly, and that alive is accepted as a join. A dead address stays silent.
 * - the periodic push-pull reconnect still tries reaped dead members, so views split for
 *   longer than gossipToTheDeadTime still find each other again.
 * Once a member is forgotten (list full or timed out), it is simply unknown, as in
 * memberlist: any alive about it is a join.
 */

/** What is kept of a reaped member. */
export interface ReapedEntry {
  readonly name: string;
  readonly addr: string;
  readonly incarnation: number;
  /** It left (never reconnected to) rather than being declared dead. */
  readonly left: boolean;
  /** When it was declared dead or left (ms). */
  readonly diedAt: number;
  /** When a stale alive about it was last answered with the suspicion (ms). */
  nudgedAt: number;
}

/**
 * The last `max` reaped members, each kept until `keepMs` after its death; insertion
 * order is reap order, the oldest is forgotten first.
 */
export class ReapedList {
  private readonly entries = new Map<string, ReapedEntry>();

  constructor(
    private readonly max: number,
    private readonly keepMs: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  add(e: ReapedEntry, now: number): void {
    this.entries.delete(e.name);
    if (this.max <= 0 || !this.fresh(e, now)) return;
    this.entries.set(e.name, e);
    for (const name of this.entries.keys()) {
      if (this.entries.size <= this.max) break;
      this.entries.delete(name);
    }
  }

  get(name: string, now: number): ReapedEntry | undefined {
    const e = this.entries.get(name);
    if (e === undefined || this.fresh(e, now)) return e;
    this.entries.delete(name);
    return undefined;
  }

  delete(name: string): void {
    this.entries.delete(name);
  }

  /** Reaped members that were declared dead (not left) and are still kept, oldest first. */
  dead(now: number): ReapedEntry[] {
    const out: ReapedEntry[] = [];
    for (const e of [...this.entries.values()]) {
      if (!this.fresh(e, now)) this.entries.delete(e.name);
      else if (!e.left) out.push(e);
    }
    return out;
  }

  private fresh(e: ReapedEntry, now: number): boolean {
    return now - e.diedAt < this.keepMs;
  }
}

/**
 * Keeps `core.dead` and the reap timer in step with a state change of `m` (from `prev`):
 * called by state.ts for every member but self.
 */
export function trackGone(core: Core, m: MemberRecord, prev: MemberState): void {
  if (prev === MemberState.Dead) dropDead(core, m);
  if (m.state === MemberState.Dead) core.dead.push(m);
  m.reapTimer?.cancel();
  m.reapTimer = null;
  const after = core.config.gossipToTheDeadTime;
  if (!m.live && Number.isFinite(after))
    m.reapTimer = core.clock.schedule(Math.max(0, after), () => reap(core, m), null);
}

function dropDead(core: Core, m: MemberRecord): void {
  const i = core.dead.indexOf(m);
  if (i >= 0) core.dead.splice(i, 1);
}

/** Removes `m` from the member list, its queued updates with it, and remembers it. */
function reap(core: Core, m: MemberRecord): void {
  m.reapTimer = null;
  if (core.stopped || m.live || core.members.get(m.name) !== m) return;
  core.members.delete(m.name);
  dropDead(core, m);
  // Its last update (the death) has had gossipToTheDeadTime to spread; an older alive
  // cannot be queued (a newer update about a member replaces the older one).
  core.queue.remove(m.name);
  core.changes++;
  core.stats.reaped++;
  core.reaped.add(
    {
      name: m.name,
      addr: m.addr,
      incarnation: m.incarnation,
      left: m.state === MemberState.Left,
      diedAt: m.stateChange,
      nudgedAt: Number.NEGATIVE_INFINITY,
    },
    core.clock.now(),
  );
  core.emit('reap', m);
}

/** memberlist's DeadNodeReclaimTime: another address may take a name dead for long enough. */
export function reclaimable(core: Core, oldAddr: string, newAddr: string, diedAt: number): boolean {
  const after = core.config.deadNodeReclaimTime;
  return after > 0 && oldAddr !== newAddr && core.clock.now() - diedAt > after;
}

/**
 * An alive about a member we do not know: true when it is about a reaped member at or
 * below the incarnation it died at (and not a reclaim). Then the suspicion goes to the
 * address in it, so a live member refutes and comes back with a higher incarnation.
 */
export function staleAlive(core: Core, a: AliveMsg): boolean {
  const now = core.clock.now();
  const r = core.reaped.get(a.node, now);
  if (r === undefined) return false;
  if (a.incarnation > r.incarnation || reclaimable(core, r.addr, a.addr, r.diedAt)) {
    core.reaped.delete(a.node);
    return false;
  }
  if (now - r.nudgedAt >= core.config.probeInterval) {
    r.nudgedAt = now;
    core.sendMsg(a.addr, null, {
      type: MsgType.Suspect,
      incarnation: r.incarnation,
      node: a.node,
      from: core.self.name,
    });
  }
  return true;
}
