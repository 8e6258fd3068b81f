/**
 * One measured simulation run for the swim-sim benchmark: N nodes on a SimNetwork with
 * loss and stall-prone nodes; a node killed every KILL_EVERY periods and restarted
 * RESTART_AFTER periods later (it rejoins with a higher incarnation); a metadata update
 * every `updateEvery` periods whose spread is timed. Records time to first suspicion and to
 * every live member marking the victim dead, healthy members declared dead, and traffic
 * per node per period by purpose.
 */
import { lanConfig } from './config.js';
import { SimCluster } from './sim-cluster.js';
import type { Swim } from './swim.js';

export interface Scenario {
  nodes: number;
  loss: number;
  stalled: number;
  lifeguard: boolean;
  periods: number;
  seed: number;
  kills: boolean;
  disseminate: boolean;
  /** periods between metadata updates whose spread is measured */
  updateEvery: number;
  stallMs: [number, number];
  gapMs: [number, number];
  catchUpMs: number;
}

export interface Outcome {
  scenario: Scenario;
  firstSuspicionMs: number[];
  allDeadMs: number[];
  undetected: number;
  falsePositives: number;
  stalledDeclaredDead: number;
  dissem99: number[];
  dissemAll: number[];
  dissemIncomplete: number;
  perNodePeriod: {
    probeMsgs: number;
    probeBytes: number;
    gossipMsgs: number;
    gossipBytes: number;
    pushPullMsgs: number;
    pushPullBytes: number;
  };
  droppedByNodes: number;
  nodePeriodsPerS: number;
  wallS: number;
  cpuS: number;
}

export const KILL_EVERY = 40;
const RESTART_AFTER = 30;

interface Episode {
  name: string;
  killAt: number;
  firstSuspect: number | null;
  deadAt: Map<string, number>;
}

interface Spread {
  origin: string;
  at: number;
  expected: Set<string>;
  reached: Map<string, number>;
}

export function simulate(s: Scenario): Outcome {
  const period = lanConfig('x').probeInterval;
  const all: Swim[] = [];
  const episodes = new Map<string, Episode>();
  const fp = new Set<string>();
  const stalledFp = new Set<string>();
  const stallProne = new Set<string>();
  let spread: Spread | null = null;
  let cluster: SimCluster;
  const onNode = (swim: Swim) => {
    all.push(swim);
    const observer = swim.name;
    swim.on('suspect', (m) => {
      const ep = episodes.get(m.name);
      if (ep && ep.firstSuspect === null) ep.firstSuspect = cluster.clock.now() - ep.killAt;
    });
    swim.on('dead', (m) => {
      const ep = episodes.get(m.name);
      if (ep) {
        if (!ep.deadAt.has(observer)) ep.deadAt.set(observer, cluster.clock.now());
        return;
      }
      (stallProne.has(m.name) ? stalledFp : fp).add(`${m.name}@${m.incarnation}`);
    });
    const reach = (m: { name: string }) => {
      if (
        spread &&
        m.name === spread.origin &&
        spread.expected.has(observer) &&
        !spread.reached.has(observer)
      )
        spread.reached.set(observer, cluster.clock.now() - spread.at);
    };
    swim.on('update', reach);
    swim.on('join', reach);
  };
  cluster = new SimCluster(
    { nodes: s.nodes, seed: s.seed, config: { lifeguard: s.lifeguard }, network: { loss: s.loss } },
    onNode,
  );
  const rnd = cluster.random.fork();
  const names = cluster.names;
  const nStall = Math.round(s.stalled * s.nodes);
  while (stallProne.size < nStall) stallProne.add(names[rnd.int(names.length)]!);
  const nextStall = new Map<string, number>();
  for (const n of stallProne) nextStall.set(n, rnd.next() * (s.gapMs[1] - s.gapMs[0]) + s.gapMs[0]);
  const uniform = (r: [number, number]) => r[0] + rnd.next() * (r[1] - r[0]);

  const out: Outcome = {
    scenario: s,
    firstSuspicionMs: [],
    allDeadMs: [],
    undetected: 0,
    falsePositives: 0,
    stalledDeclaredDead: 0,
    dissem99: [],
    dissemAll: [],
    dissemIncomplete: 0,
    perNodePeriod: {
      probeMsgs: 0,
      probeBytes: 0,
      gossipMsgs: 0,
      gossipBytes: 0,
      pushPullMsgs: 0,
      pushPullBytes: 0,
    },
    droppedByNodes: 0,
    nodePeriodsPerS: 0,
    wallS: 0,
    cpuS: 0,
  };
  const running = () => names.filter((n) => !cluster.isDown(n));
  const closeSpread = () => {
    if (!spread) return;
    const sp = spread;
    spread = null;
    for (const n of [...sp.expected]) if (cluster.isDown(n)) sp.expected.delete(n);
    const times = [...sp.reached]
      .filter(([n]) => sp.expected.has(n))
      .map(([, t]) => t)
      .sort((a, b) => a - b);
    const need99 = Math.ceil(0.99 * sp.expected.size);
    if (times.length >= need99 && need99 > 0) out.dissem99.push(times[need99 - 1]! / period);
    if (times.length >= sp.expected.size) out.dissemAll.push(times[times.length - 1]! / period);
    else out.dissemIncomplete++;
  };
  let victim: Episode | null = null;
  let lastRestarted = '';
  let nodePeriods = 0;
  let version = 0;
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  for (let p = 0; p < s.periods; p++) {
    const now = cluster.clock.now();
    if (s.kills && p % KILL_EVERY === 0 && p > 0) {
      // Not the node restarted 10 periods ago: every observer should have seen it back first.
      const candidates = running().filter((n) => !stallProne.has(n) && n !== lastRestarted);
      const name = candidates[rnd.int(candidates.length)]!;
      cluster.kill(name);
      cluster.markDown(name, true);
      victim = { name, killAt: now, firstSuspect: null, deadAt: new Map() };
      episodes.set(name, victim);
    }
    if (victim && p % KILL_EVERY === RESTART_AFTER) {
      const ep = victim;
      victim = null;
      episodes.delete(ep.name);
      if (ep.firstSuspect !== null) out.firstSuspicionMs.push(ep.firstSuspect);
      const observers = running();
      if (observers.every((n) => ep.deadAt.has(n)))
        out.allDeadMs.push(Math.max(...ep.deadAt.values()) - ep.killAt);
      else out.undetected++;
      cluster.markDown(ep.name, false);
      lastRestarted = ep.name;
      const seeds = observers.filter((n) => !stallProne.has(n));
      cluster.restart(
        ep.name,
        [0, 1, 2].map(() => seeds[rnd.int(seeds.length)]!),
      );
    }
    if (s.disseminate && p % s.updateEvery === Math.floor(s.updateEvery / 4)) {
      closeSpread();
      const live = running().filter((n) => !stallProne.has(n));
      const origin = live[rnd.int(live.length)]!;
      spread = {
        origin,
        at: now,
        expected: new Set(running().filter((n) => n !== origin)),
        reached: new Map(),
      };
      cluster.node(origin).setMeta({ version: `v${++version}` });
    }
    for (const [n, at] of nextStall) {
      if (at > now + period) continue;
      const len = uniform(s.stallMs);
      cluster.clock.schedule(Math.max(0, at - now), () => cluster.net.stall(n, len, s.catchUpMs), null);
      nextStall.set(n, at + len + uniform(s.gapMs));
    }
    nodePeriods += running().length;
    cluster.run(period);
  }
  closeSpread();
  out.wallS = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  out.cpuS = (cpu.user + cpu.system) / 1e6;
  out.nodePeriodsPerS = (s.nodes * s.periods) / out.wallS;
  out.falsePositives = fp.size;
  out.stalledDeclaredDead = stalledFp.size;
  for (const swim of all) {
    const t = swim.stats.sent;
    const o = out.perNodePeriod;
    o.probeMsgs += t.probeMsgs;
    o.probeBytes += t.probeBytes;
    o.gossipMsgs += t.gossipMsgs;
    o.gossipBytes += t.gossipBytes;
    o.pushPullMsgs += t.pushPullMsgs;
    o.pushPullBytes += t.pushPullBytes;
    const d = swim.stats.dropped;
    out.droppedByNodes += d.auth + d.cluster + d.decode + d.version;
  }
  for (const k of Object.keys(out.perNodePeriod) as Array<keyof Outcome['perNodePeriod']>)
    out.perNodePeriod[k] /= nodePeriods;
  return out;
}
