/**
 * A whole cluster in one process: N nodes, each running the real SWIM (swim/) over the
 * simulated network and manual clock, each placing a fixed desired set of slots with
 * `place` over its own member view, and each running the slots it owns on a tiny
 * runtime (runtime.ts) where a start takes `startPeriods`. Some nodes are killed at once
 * (everything they ran stops); the survivors learn of the deaths by SWIM, each on its own
 * schedule, re-place and start the orphans. Measured: protocol periods until every slot
 * runs exactly once again on the live nodes, and the replica-seconds missing (slots
 * running nowhere) and surplus (Σ max(0, copies − 1)) on the way. With `throughReap` the
 * run goes on until every survivor has reaped the dead, and the reap is measured apart.
 *
 * Deterministic: one seed drives SWIM, the network and the choice of victims; no
 * setTimeout or Date.now (wall time is read only to report the cost).
 * Used by test/cluster-sim/cluster-sim.test.ts and bench/cluster-sim.ts.
 */

import type { PlacementSlot } from '../../src/placement/types.js';
import { lanConfig } from '../../swim/config.js';
import { SimCluster } from '../../swim/sim-cluster.js';
import type { SimNetworkOptions } from '../../swim/sim-network.js';
import type { Swim } from '../../swim/swim.js';
import { ELIGIBLE, LISTED, NOT_LISTED, type PlacementMode, ViewPlacer } from './placer.js';
import { type Handoff, NodeRuntime, StartQueue, Tally } from './runtime.js';

export interface ClusterSimOptions {
  nodes: number;
  /** Slots in all, as services of 1..maxReplicas replicas, cycling. */
  replicas: number;
  /** Nodes killed at once. */
  killed: number;
  seed: number;
  /** Default 5. */
  maxReplicas?: number;
  /** How long a start takes (default 1). */
  startPeriods?: number;
  /** How often a node whose view changed re-places: ticks per period (default 1). */
  ticksPerPeriod?: number;
  /** Periods run before the kill (default 5). */
  warmupPeriods?: number;
  /** Exactly-once for this long, with no view changing, ends a phase (default 20). */
  quietPeriods?: number;
  /** The run stops here whatever happened (default 1000). */
  maxPeriods?: number;
  /** Go on until every survivor has reaped the dead, and measure the reap apart (default false). */
  throughReap?: boolean;
  placement?: PlacementMode;
  /** What a live node does with a slot it no longer owns (default 'stop-first'; runtime.ts). */
  handoff?: Handoff;
  /** With make-before-break: how long until the old owner sees the new one run the slot (default 0). */
  statusDelayPeriods?: number;
  network?: Partial<SimNetworkOptions>;
}

/** One phase: after the kill, or after the first reap. */
export interface PhaseFigures {
  /** Periods from the phase's start until every slot runs exactly once for good; null if never. */
  reconvergePeriods: number | null;
  missingReplicaS: number;
  surplusReplicaS: number;
  /** Periods until every survivor saw every victim dead (death) or reaped (reap); null if never. */
  viewPeriods: number | null;
  starts: number;
  stops: number;
}

export interface ClusterSimResult {
  options: Required<Omit<ClusterSimOptions, 'network'>> & { network: Partial<SimNetworkOptions> };
  periodMs: number;
  death: PhaseFigures;
  reap: PhaseFigures | null;
  /** Distinct views placed, views served from one already placed, and time spent placing. */
  placements: number;
  placementsShared: number;
  placeS: number;
  wallS: number;
}

/** The slots: services of 1..maxReplicas replicas, cycling, `total` in all. */
export function desiredSlots(total: number, maxReplicas: number): PlacementSlot[] {
  const out: PlacementSlot[] = [];
  for (let s = 0; out.length < total; s++)
    for (let r = 0; r <= s % maxReplicas && out.length < total; r++)
      out.push({ project: 'sim', service: `svc-${s}`, replica: r });
  return out;
}

function withDefaults(o: ClusterSimOptions): ClusterSimResult['options'] {
  return {
    maxReplicas: 5,
    startPeriods: 1,
    ticksPerPeriod: 1,
    warmupPeriods: 5,
    quietPeriods: 20,
    maxPeriods: 1000,
    throughReap: false,
    placement: 'two-pass',
    handoff: 'stop-first',
    statusDelayPeriods: 0,
    network: {},
    ...o,
  };
}

/** The figures of one phase, accumulated tick by tick. */
class Phase {
  readonly figures: PhaseFigures = {
    reconvergePeriods: null,
    missingReplicaS: 0,
    surplusReplicaS: 0,
    viewPeriods: null,
    starts: 0,
    stops: 0,
  };
  /** The last tick whose interval [tick, tick + 1) had some slot run other than exactly once. */
  lastBad: number;
  private readonly starts: number;
  private readonly stops: number;

  constructor(
    readonly startTick: number,
    tally: Tally,
  ) {
    this.lastBad = startTick - 1;
    this.starts = tally.starts;
    this.stops = tally.stops;
  }

  /** The state over [tick, tick + 1), after the changes made at `tick`. */
  sample(tally: Tally, tick: number, tickS: number): void {
    this.figures.missingReplicaS += tally.missing * tickS;
    this.figures.surplusReplicaS += tally.surplus * tickS;
    if (!tally.exactlyOnce) this.lastBad = tick;
  }

  /** The phase covered [startTick, endTick); it reconverged if its last interval was exactly-once. */
  close(tally: Tally, endTick: number, ticksPerPeriod: number): void {
    const f = this.figures;
    if (this.lastBad < endTick - 1)
      f.reconvergePeriods = (this.lastBad + 1 - this.startTick) / ticksPerPeriod;
    f.starts = tally.starts - this.starts;
    f.stops = tally.stops - this.stops;
  }
}

export function runClusterSim(opts: ClusterSimOptions): ClusterSimResult {
  const o = withDefaults(opts);
  const wall0 = performance.now();
  const periodMs = lanConfig('x').probeInterval;
  const tickMs = periodMs / o.ticksPerPeriod;
  const tickS = tickMs / 1000;
  const startTicks = Math.max(0, Math.round(o.startPeriods * o.ticksPerPeriod));
  const slots = desiredSlots(o.replicas, o.maxReplicas);
  const n = o.nodes;

  const dirty = new Set<number>();
  const victims = new Set<number>();
  /** (observer, victim) pairs in which the observer saw the victim dead, and reaped it. */
  const sawDead = new Set<number>();
  const sawReap = new Set<number>();
  const indexOf = (name: string) => Number(name.slice(1));
  const onNode = (swim: Swim) => {
    const me = indexOf(swim.name);
    const changed = () => dirty.add(me);
    swim.on('join', changed);
    swim.on('leave', changed);
    swim.on('dead', (m) => {
      dirty.add(me);
      if (victims.has(indexOf(m.name))) sawDead.add(me * n + indexOf(m.name));
    });
    swim.on('reap', (m) => {
      dirty.add(me);
      if (victims.has(indexOf(m.name))) sawReap.add(me * n + indexOf(m.name));
    });
  };
  const cluster = new SimCluster({ nodes: n, seed: o.seed, network: o.network }, onNode);
  const names = cluster.names;
  const placer = new ViewPlacer(slots, names, o.placement);
  const tally = new Tally(slots.length);
  const queue = new StartQueue();
  const runtimes = names.map(
    (_, i) => new NodeRuntime(i, tally, o.handoff, Math.round(o.statusDelayPeriods * o.ticksPerPeriod)),
  );
  const handingOff = new Set<number>();
  const viewKey: string[] = new Array(n).fill('');
  const codes = new Uint8Array(n);

  const viewOf = (i: number): string => {
    const swim = cluster.node(names[i]!);
    for (let j = 0; j < n; j++) {
      const s = swim.stateOf(names[j]!);
      codes[j] = s === undefined ? NOT_LISTED : s === 'alive' || s === 'suspect' ? ELIGIBLE : LISTED;
    }
    return ViewPlacer.key(codes);
  };
  const ownedBy = (owner: Int32Array, i: number): number[] => {
    const out: number[] = [];
    for (let s = 0; s < owner.length; s++) if (owner[s] === i) out.push(s);
    return out;
  };
  /** Re-places on node i if its view changed; returns the new owners, or null if unchanged. */
  const replace = (i: number): Int32Array | null => {
    const key = viewOf(i);
    if (key === viewKey[i]) return null;
    const owner = placer.acquire(key, codes);
    if (viewKey[i] !== '') placer.release(viewKey[i]!);
    viewKey[i] = key;
    return owner;
  };

  for (let i = 0; i < n; i++) runtimes[i]!.runNow(ownedBy(replace(i)!, i));

  let tick = 0;
  let lastChange = 0;
  /** One tick of SWIM; then `applyViews`. */
  const runSwim = () => {
    cluster.run(tickMs);
    tick++;
    if (dirty.size > 0) lastChange = tick;
  };
  /** Nodes whose view changed re-place; due starts finish. */
  const applyViews = () => {
    for (const i of dirty) {
      if (victims.has(i)) continue;
      const owner = replace(i);
      if (!owner) continue;
      runtimes[i]!.converge(ownedBy(owner, i), owner, tick + startTicks, queue);
      if (runtimes[i]!.handingOff.size > 0) handingOff.add(i);
    }
    dirty.clear();
    const due = queue.take(tick);
    for (let k = 0; k < due.length; k += 2) runtimes[due[k]!]!.finishStart(due[k + 1]!, tick);
    for (const i of handingOff) if (!runtimes[i]!.settleHandoffs(runtimes, tick)) handingOff.delete(i);
  };
  for (let t = 0; t < o.warmupPeriods * o.ticksPerPeriod; t++) {
    runSwim();
    applyViews();
  }

  // The kill: the victims are drawn from the seeded stream, after the warm-up.
  const pick = cluster.random.fork();
  while (victims.size < Math.min(o.killed, n - 1)) victims.add(pick.int(n));
  for (const v of victims) {
    cluster.kill(names[v]!);
    cluster.markDown(names[v]!, true);
    runtimes[v]!.die();
    handingOff.delete(v);
    placer.release(viewKey[v]!);
  }

  const pairs = (n - victims.size) * victims.size;
  const quietTicks = o.quietPeriods * o.ticksPerPeriod;
  const maxTick = tick + o.maxPeriods * o.ticksPerPeriod;
  const death = new Phase(tick, tally);
  death.sample(tally, tick, tickS);
  let reap: Phase | null = null;
  let phase = death;
  while (tick < maxTick) {
    runSwim();
    if (phase === death && o.throughReap && sawReap.size > 0) {
      death.close(tally, tick, o.ticksPerPeriod);
      phase = reap = new Phase(tick, tally);
    }
    applyViews();
    phase.sample(tally, tick, tickS);
    const seen = phase === death ? sawDead : sawReap;
    if (phase.figures.viewPeriods === null && seen.size === pairs)
      phase.figures.viewPeriods = (tick - phase.startTick) / o.ticksPerPeriod;
    const quiet = tick - lastChange >= quietTicks && tick - phase.lastBad >= quietTicks;
    if (seen.size === pairs && quiet && (phase === reap || !o.throughReap)) break;
  }
  phase.close(tally, tick + 1, o.ticksPerPeriod);
  return {
    options: o,
    periodMs,
    death: death.figures,
    reap: reap?.figures ?? null,
    placements: placer.computed,
    placementsShared: placer.shared,
    placeS: placer.placeMs / 1000,
    wallS: (performance.now() - wall0) / 1000,
  };
}

/** The figures another benchmark reports about a run, under the names of the issue. */
export function simKeys(r: ClusterSimResult): {
  sim_reconverge_periods: number | null;
  sim_missing_replica_s: number;
  sim_duplicate_replica_s: number;
} {
  const round = (x: number) => Math.round(x * 100) / 100;
  return {
    sim_reconverge_periods: r.death.reconvergePeriods,
    sim_missing_replica_s: round(r.death.missingReplicaS),
    sim_duplicate_replica_s: round(r.death.surplusReplicaS),
  };
}
