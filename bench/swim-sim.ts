/**
 * swim-sim: the SWIM/Lifeguard library in simulated time (swim/sim-cluster.ts).
 *
 *   npm run bench -- swim-sim                       the default suite: every README figure, sized for minutes
 *   npm run bench -- swim-sim --full                the same with the issue's full sizes (10,000-period runs)
 *   npm run bench -- swim-sim --nodes N --loss P --stalled F --lifeguard on|off --periods K --seed S
 *                                                   one run (also --kills on|off, --disseminate on|off,
 *                                                   --stall-ms MIN-MAX, --gap-ms MIN-MAX, --catch-up-ms M)
 *
 * The default suite takes a few minutes; --full runs the 10,000-period false-positive runs
 * (about an hour on a 2-core machine).
 *
 * One run kills a node every 40 periods (never a stall-prone one) and restarts it 30
 * periods later (it rejoins with a higher incarnation); between kills one node changes
 * its metadata and the time for that update to reach the others is measured.
 */
import { lanConfig } from '../swim/config.js';
import { SimCluster } from '../swim/sim-cluster.js';
import type { Swim } from '../swim/swim.js';
import { type Benchmark, type BenchResult, parseOptions, percentile, round } from './benchmark.js';

interface Scenario {
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

interface Outcome {
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

const KILL_EVERY = 40;
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
  let nodePeriods = 0;
  let version = 0;
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  for (let p = 0; p < s.periods; p++) {
    const now = cluster.clock.now();
    if (s.kills && p % KILL_EVERY === 0 && p > 0) {
      const candidates = running().filter((n) => !stallProne.has(n));
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

const P = lanConfig('x').probeInterval;
const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0);

function keys(o: Outcome): Record<string, number> {
  const t = o.perNodePeriod;
  return {
    first_suspicion_mean_periods: round(mean(o.firstSuspicionMs) / P),
    first_suspicion_p99_periods: round(percentile(o.firstSuspicionMs, 99) / P),
    all_dead_p50_periods: round(percentile(o.allDeadMs, 50) / P),
    all_dead_p99_periods: round(percentile(o.allDeadMs, 99) / P),
    all_dead_p99_ms: round(percentile(o.allDeadMs, 99), 0),
    false_positives: o.falsePositives,
    dissemination_p99_periods: round(percentile(o.dissem99, 50)),
    dissemination_all_periods: round(percentile(o.dissemAll, 50)),
    msgs_per_node_per_period: round(t.probeMsgs + t.gossipMsgs + t.pushPullMsgs, 3),
    bytes_per_node_per_period: round(t.probeBytes + t.gossipBytes + t.pushPullBytes, 1),
    node_periods_per_s: round(o.nodePeriodsPerS, 0),
  };
}

function detail(o: Outcome): Record<string, number> {
  const t = o.perNodePeriod;
  return {
    ...keys(o),
    samples_killed: o.allDeadMs.length + o.undetected,
    undetected: o.undetected,
    stalled_declared_dead: o.stalledDeclaredDead,
    dissemination_samples: o.dissemAll.length + o.dissemIncomplete,
    dissemination_incomplete: o.dissemIncomplete,
    dissemination_p99_max_periods: round(Math.max(0, ...o.dissem99)),
    dissemination_all_max_periods: round(Math.max(0, ...o.dissemAll)),
    probe_msgs: round(t.probeMsgs, 3),
    probe_bytes: round(t.probeBytes, 1),
    gossip_msgs: round(t.gossipMsgs, 3),
    gossip_bytes: round(t.gossipBytes, 1),
    push_pull_msgs: round(t.pushPullMsgs, 4),
    push_pull_bytes: round(t.pushPullBytes, 1),
    wall_s: round(o.wallS, 1),
    cpu_s: round(o.cpuS, 1),
  };
}

function range(v: string | undefined, d: [number, number]): [number, number] {
  if (!v) return d;
  const [a, b] = v.split('-').map(Number);
  return [a!, b ?? a!];
}

/** A stall-prone node pauses for 0.5–3 s, runs for 0.5–2 s, pauses again...; after each pause it works through its backlog at CATCH_UP_MS per packet. */
const STALL_MS: [number, number] = [500, 3000];
const GAP_MS: [number, number] = [500, 2000];
const CATCH_UP_MS = 2;

function scenario(o: Map<string, string>): Scenario {
  return {
    nodes: Number(o.get('nodes') ?? 100),
    loss: Number(o.get('loss') ?? 0),
    stalled: Number(o.get('stalled') ?? 0),
    lifeguard: (o.get('lifeguard') ?? 'on') !== 'off',
    periods: Number(o.get('periods') ?? 1000),
    seed: Number(o.get('seed') ?? 1),
    kills: (o.get('kills') ?? 'on') !== 'off',
    disseminate: (o.get('disseminate') ?? 'on') !== 'off',
    updateEvery: Number(o.get('update-every') ?? KILL_EVERY),
    stallMs: range(o.get('stall-ms'), STALL_MS),
    gapMs: range(o.get('gap-ms'), GAP_MS),
    catchUpMs: Number(o.get('catch-up-ms') ?? CATCH_UP_MS),
  };
}

const base = (over: Partial<Scenario>): Scenario => ({
  nodes: 100,
  loss: 0,
  stalled: 0,
  lifeguard: true,
  periods: 1000,
  seed: 1,
  kills: true,
  disseminate: true,
  updateEvery: KILL_EVERY,
  stallMs: STALL_MS,
  gapMs: GAP_MS,
  catchUpMs: CATCH_UP_MS,
  ...over,
});

function suite(full: boolean, log: (line: string) => void): BenchResult {
  const rows: BenchResult['rows'] = [];
  const results: Record<string, unknown> = {};
  const run = (label: string, s: Scenario) => {
    const o = simulate(s);
    log(`${label}: ${JSON.stringify(detail(o))}`);
    results[label] = detail(o);
    return o;
  };
  // Detection, and the simulator's speed on the 1000 × 1000 run.
  const det: Record<number, Outcome> = {};
  for (const [n, k] of [
    [10, 2000],
    [100, 1000],
    [1000, 1000],
  ] as const) {
    const o = run(`detect_n${n}`, base({ nodes: n, periods: k }));
    det[n] = o;
    const j = keys(o);
    rows.push([
      `N=${n}: death → first suspicion, mean / p99 (periods)`,
      `${j.first_suspicion_mean_periods} / ${j.first_suspicion_p99_periods}`,
      `${o.firstSuspicionMs.length} kills`,
    ]);
    rows.push([
      `N=${n}: death → all dead, p50 / p99 (periods; p99 ms)`,
      `${j.all_dead_p50_periods} / ${j.all_dead_p99_periods} (${j.all_dead_p99_ms} ms)`,
      `${o.undetected} not confirmed by all`,
    ]);
  }
  rows.push([
    'simulator: node-periods/s (1000 nodes × 1000 periods)',
    round(det[1000]!.nodePeriodsPerS, 0),
    `${round(det[1000]!.wallS, 1)} s; bar < 60 s`,
  ]);
  // Traffic in steady state (no kills, no updates).
  for (const n of [10, 100, 1000]) {
    const o = run(
      `traffic_n${n}`,
      base({ nodes: n, periods: n === 1000 ? 400 : 1000, kills: false, disseminate: false }),
    );
    const t = o.perNodePeriod;
    rows.push([
      `N=${n}: msgs / bytes per node per period (probe + gossip + push-pull)`,
      `${round(t.probeMsgs + t.gossipMsgs + t.pushPullMsgs, 2)} / ${round(t.probeBytes + t.gossipBytes + t.pushPullBytes, 0)}`,
      `probe ${round(t.probeMsgs, 2)}/${round(t.probeBytes, 0)}, gossip ${round(t.gossipMsgs, 2)}/${round(t.gossipBytes, 0)}, push-pull ${round(t.pushPullMsgs, 4)}/${round(t.pushPullBytes, 0)}`,
    ]);
  }
  // Dissemination at N = 1000, with and without loss.
  const d0 = det[1000]!;
  const d10 = run(
    'dissem_n1000_loss10',
    base({ nodes: 1000, loss: 0.1, periods: full ? 1000 : 400, kills: false }),
  );
  const bound = lanConfig('x').retransmitMult * Math.log10(1000);
  for (const [label, o] of [
    ['no loss', d0],
    ['10% loss', d10],
  ] as const)
    rows.push([
      `N=1000 ${label}: update → 99% / 100% (periods, median; max)`,
      `${round(percentile(o.dissem99, 50))} / ${round(percentile(o.dissemAll, 50))} (${round(Math.max(0, ...o.dissem99))} / ${round(Math.max(0, ...o.dissemAll))})`,
      `bound λ·log10 N = ${round(bound)}; ${o.dissemAll.length} updates`,
    ]);
  // False positives with 10% loss.
  const fl = run('fp_n100_loss10', base({ nodes: 100, loss: 0.1, periods: full ? 10_000 : 1000 }));
  rows.push([
    `N=100, 10% loss, ${fl.scenario.periods} periods: healthy declared dead`,
    fl.falsePositives,
    'bar 0',
  ]);
  // False positives with 5% stalled nodes, Lifeguard on vs off, same seeds.
  const seeds = full ? [1, 2, 3] : [1, 2];
  let on = 0;
  let off = 0;
  let onStalled = 0;
  let offStalled = 0;
  const periods = full ? 10_000 : 500;
  for (const seed of seeds) {
    const a = run(`stall_on_s${seed}`, base({ nodes: 100, stalled: 0.05, seed, periods, kills: false }));
    const b = run(
      `stall_off_s${seed}`,
      base({ nodes: 100, stalled: 0.05, seed, periods, kills: false, lifeguard: false }),
    );
    on += a.falsePositives;
    off += b.falsePositives;
    onStalled += a.stalledDeclaredDead;
    offStalled += b.stalledDeclaredDead;
  }
  rows.push([
    `N=100, 5% stalled, ${periods} periods × ${seeds.length} seeds: healthy declared dead, Lifeguard on / off`,
    `${on} / ${off}`,
    `ratio ${on === 0 ? (off === 0 ? 'n/a' : `≥${off}×`) : `${round(off / on, 1)}×`}; bar ≥10×`,
  ]);
  rows.push([
    'same runs: stalled nodes declared dead, Lifeguard on / off',
    `${onStalled} / ${offStalled}`,
    'stalls of 0.5–3 s every 0.5–2 s, catch-up 2 ms/packet',
  ]);
  results.stall_false_positives = {
    lifeguard_on: on,
    lifeguard_off: off,
    stalled_on: onStalled,
    stalled_off: offStalled,
    periods,
    seeds,
  };
  return { rows, json: { ...keys(det[1000]!), suite: results } };
}

const bench: Benchmark = {
  name: 'swim-sim',
  description: 'SWIM + Lifeguard in simulated time: detection, false positives, dissemination, load, speed',
  async run(args) {
    const o = parseOptions(args);
    const single = ['nodes', 'loss', 'stalled', 'lifeguard', 'periods', 'seed'].some((k) => o.has(k));
    if (!single) return suite(o.has('full'), (line) => process.stderr.write(`${line}\n`));
    const s = scenario(o);
    const out = simulate(s);
    const d = detail(out);
    return {
      rows: Object.entries(d).map(([k, v]) => [k, v]),
      json: keys(out),
    };
  },
};

export default bench;
