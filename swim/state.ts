import { type AliveMsg, type DeadMsg, MsgType, type SuspectMsg } from './codec.js';
import { suspicionConfirmations, suspicionMaxMs, suspicionMinMs } from './config.js';
import type { Core } from './core.js';
import { MemberRecord } from './member.js';
import { sameBytes } from './metadata.js';
import { reclaimable, staleAlive, trackGone } from './reap.js';
import { Suspicion } from './suspicion.js';
import { MemberState } from './types.js';

/**
 * How a member's state moves, as in memberlist's aliveNode / suspectNode / deadNode.
 * An update wins only with a higher incarnation, or the same incarnation and a "worse"
 * state (alive < suspect < dead); a member hearing bad news about itself refutes it by
 * raising its incarnation.
 */

function setState(core: Core, m: MemberRecord, state: MemberState): void {
  const wasLive = m.live;
  const prev = m.state;
  m.state = state;
  m.stateChange = core.clock.now();
  const isLive = m.live;
  if (wasLive && !isLive) core.liveCount--;
  else if (!wasLive && isLive) {
    core.liveCount++;
    core.addToProbeList(m);
  }
  if (!isLive && m.suspicion) {
    m.suspicion.cancel();
    m.suspicion = null;
  }
  if (m !== core.self) trackGone(core, m, prev);
}

/** Raises our incarnation above `over` and tells everyone we are alive. */
export function refute(core: Core, over: number): void {
  const self = core.self;
  self.incarnation = Math.max(self.incarnation, over) + 1;
  core.stats.refutations++;
  if (core.config.lifeguard) core.awareness.applyDelta(1);
  broadcastAlive(core);
}

export function selfAlive(core: Core): AliveMsg {
  const s = core.self;
  return { type: MsgType.Alive, incarnation: s.incarnation, node: s.name, addr: s.addr, meta: s.meta };
}

export function broadcastAlive(core: Core): void {
  core.broadcast(core.self.name, selfAlive(core));
}

/** @param bootstrap add silently (a simulation seeding full membership): no gossip, no event. */
export function aliveNode(core: Core, a: AliveMsg, bootstrap = false): void {
  if (core.leaving && a.node === core.self.name) return;
  const self = core.self;
  if (a.node === self.name) {
    // Someone claims a newer or different us: take the claim back with a higher incarnation.
    if (
      a.incarnation > self.incarnation ||
      (a.incarnation === self.incarnation && (a.addr !== self.addr || !sameBytes(a.meta, self.meta)))
    )
      refute(core, a.incarnation);
    return;
  }
  let m = core.members.get(a.node);
  if (m === undefined) {
    if (!bootstrap && staleAlive(core, a)) return;
    m = new MemberRecord(a.node, a.addr, a.incarnation, a.meta);
    m.stateChange = core.clock.now();
    core.members.set(a.node, m);
    core.liveCount++;
    if (bootstrap) {
      core.probeList.push(m);
      return;
    }
    core.addToProbeList(m);
    core.broadcast(a.node, a);
    core.emit('join', m);
    return;
  }
  // Only a newer incarnation changes a member, except that another address may take over a
  // name dead or left for longer than deadNodeReclaimTime (memberlist's reclaim).
  if (a.incarnation <= m.incarnation && (m.live || !reclaimable(core, m.addr, a.addr, m.stateChange))) return;
  const prev = m.state;
  const changed = m.addr !== a.addr || !sameBytes(m.meta, a.meta);
  m.incarnation = a.incarnation;
  m.addr = a.addr;
  m.meta = a.meta;
  if (m.suspicion) {
    m.suspicion.cancel();
    m.suspicion = null;
  }
  if (prev !== MemberState.Alive) setState(core, m, MemberState.Alive);
  core.broadcast(a.node, a);
  if (prev === MemberState.Suspect) {
    core.stats.suspicionsRefuted++;
    core.emit('alive', m);
  } else if (prev === MemberState.Dead || prev === MemberState.Left) core.emit('join', m);
  if (changed && prev !== MemberState.Dead && prev !== MemberState.Left) core.emit('update', m);
}

export function suspectNode(core: Core, s: SuspectMsg): void {
  const m = core.members.get(s.node);
  if (m === undefined || s.incarnation < m.incarnation) return;
  if (m.suspicion !== null) {
    if (s.incarnation === m.incarnation) {
      // Already suspected: an independent confirmation shortens the timeout and is re-gossiped.
      if (m.suspicion.confirm(s.from)) core.broadcast(s.node, s);
      return;
    }
    // A suspicion at a newer incarnation proves the member refuted the one we hold (we
    // missed its alive): start over at the new incarnation instead of counting it as a
    // confirmation of the old one (memberlist does the latter).
    m.suspicion.cancel();
    m.suspicion = null;
    m.state = MemberState.Alive;
  }
  if (m.state !== MemberState.Alive) return;
  if (m === core.self) {
    if (!core.leaving) refute(core, s.incarnation);
    return;
  }
  m.incarnation = s.incarnation;
  setState(core, m, MemberState.Suspect);
  core.stats.suspicions++;
  core.broadcast(s.node, s);
  core.emit('suspect', m);
  const n = core.liveCount;
  const c = core.config;
  const incarnation = s.incarnation;
  m.suspicion = new Suspicion(
    core.clock,
    s.from,
    suspicionConfirmations(c, n),
    suspicionMinMs(c, n),
    suspicionMaxMs(c, n),
    () => {
      const stale = () => core.stopped || m.state !== MemberState.Suspect || m.incarnation !== incarnation;
      if (stale()) return;
      const declare = () => {
        if (stale()) return;
        m.suspicion = null;
        core.stats.declaredDead++;
        deadNode(core, { type: MsgType.Dead, incarnation, node: m.name, from: core.self.name });
      };
      if (core.verifySuspect === null) declare();
      else core.verifySuspect(m, incarnation, (refuted) => refuted || declare());
    },
  );
}

export function deadNode(core: Core, d: DeadMsg): void {
  const m = core.members.get(d.node);
  if (m === undefined || d.incarnation < m.incarnation) return;
  if (m.state === MemberState.Dead || m.state === MemberState.Left) return;
  if (m === core.self && !core.leaving) {
    refute(core, d.incarnation);
    return;
  }
  m.incarnation = d.incarnation;
  const left = d.node === d.from;
  setState(core, m, left ? MemberState.Left : MemberState.Dead);
  core.broadcast(d.node, d);
  if (m !== core.self) core.emit(left ? 'leave' : 'dead', m);
}
