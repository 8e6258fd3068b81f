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
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { lanConfig } from '../swim/config.js';
import { KILL_EVERY, type Outcome, type Scenario, simulate } from '../swim/sim-scenario.js';
import { type Benchmark, type BenchResult, parseOptions, percentile, round } from './benchmark.js';

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

const KEYS_TEMPLATE = {
  first_suspicion_mean_periods: 0,
  first_suspicion_p99_periods: 0,
  all_dead_p50_periods: 0,
  all_dead_p99_periods: 0,
  all_dead_p99_ms: 0,
  false_positives: 0,
  dissemination_p99_periods: 0,
  dissemination_all_periods: 0,
  msgs_per_node_per_period: 0,
  bytes_per_node_per_period: 0,
  node_periods_per_s: 0,
};

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

/** The flags that reproduce `s` as a single run. */
function flags(s: Scenario): string[] {
  return [
    ...['--nodes', String(s.nodes), '--loss', String(s.loss), '--stalled', String(s.stalled)],
    ...['--lifeguard', s.lifeguard ? 'on' : 'off', '--periods', String(s.periods), '--seed', String(s.seed)],
    ...['--kills', s.kills ? 'on' : 'off', '--disseminate', s.disseminate ? 'on' : 'off'],
    ...['--update-every', String(s.updateEvery), '--catch-up-ms', String(s.catchUpMs)],
    ...['--stall-ms', s.stallMs.join('-'), '--gap-ms', s.gapMs.join('-')],
  ];
}

/**
 * Each scenario runs in a fresh process (a 1000-node run leaves a large old-generation
 * heap behind that slows the next run down), printing its detail as JSON.
 */
function runChild(s: Scenario): Detail {
  const entry = fileURLToPath(new URL('./index.js', import.meta.url));
  const out = execFileSync(process.execPath, [entry, 'swim-sim', ...flags(s), '--detail'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const last = out.trim().split('\n').pop()!;
  const { benchmark: _, ...d } = JSON.parse(last) as Detail & { benchmark: string };
  return d as Detail;
}

type Detail = ReturnType<typeof detail>;

function suite(full: boolean, log: (line: string) => void): BenchResult {
  const rows: BenchResult['rows'] = [];
  const results: Record<string, Detail> = {};
  const run = (label: string, s: Scenario): Detail => {
    const d = runChild(s);
    log(`${label}: ${JSON.stringify(d)}`);
    results[label] = d;
    return d;
  };
  const pair = (a: number, b: number) => `${a} / ${b}`;
  // Detection, and the simulator's speed on the 1000 × 1000 run.
  const det: Record<number, Detail> = {};
  for (const [n, k] of [
    [10, 2000],
    [100, 1000],
    [1000, 1000],
  ] as const) {
    const j = run(`detect_n${n}`, base({ nodes: n, periods: k }));
    det[n] = j;
    rows.push([
      `N=${n}: death → first suspicion, mean / p99 (periods)`,
      pair(j.first_suspicion_mean_periods, j.first_suspicion_p99_periods),
      `${j.samples_killed} kills`,
    ]);
    rows.push([
      `N=${n}: death → all dead, p50 / p99 (periods; p99 ms)`,
      `${pair(j.all_dead_p50_periods, j.all_dead_p99_periods)} (${j.all_dead_p99_ms} ms)`,
      `${j.undetected} not confirmed by all`,
    ]);
  }
  const big = det[1000]!;
  rows.push([
    'simulator: node-periods/s (1000 nodes × 1000 periods)',
    big.node_periods_per_s,
    `${big.wall_s} s wall, ${big.cpu_s} s CPU; bar < 60 s`,
  ]);
  // Traffic in steady state (no kills, no updates).
  for (const n of [10, 100, 1000]) {
    const t = run(
      `traffic_n${n}`,
      base({ nodes: n, periods: n === 1000 ? 300 : 1000, kills: false, disseminate: false }),
    );
    rows.push([
      `N=${n}: msgs / bytes per node per period (all)`,
      pair(t.msgs_per_node_per_period, t.bytes_per_node_per_period),
      `probe ${t.probe_msgs}/${t.probe_bytes}, gossip ${t.gossip_msgs}/${t.gossip_bytes}, push-pull ${t.push_pull_msgs}/${t.push_pull_bytes}`,
    ]);
  }
  // Dissemination at N = 1000, with and without loss. 10% loss at N = 1000 makes ~8
  // suspicions (and refutations) per period cluster-wide: a short run, an update every 4 periods.
  const d10 = run(
    'dissem_n1000_loss10',
    base({ nodes: 1000, loss: 0.1, periods: full ? 41 : 17, kills: false, updateEvery: 4 }),
  );
  const bound = lanConfig('x').retransmitMult * Math.log10(1000);
  for (const [label, o] of [
    ['no loss', big],
    ['10% loss', d10],
  ] as const)
    rows.push([
      `N=1000 ${label}: update → 99% / 100% (periods, median; max)`,
      `${pair(o.dissemination_p99_periods, o.dissemination_all_periods)} (${pair(o.dissemination_p99_max_periods, o.dissemination_all_max_periods)})`,
      `bound λ·log10 N = ${round(bound)}; ${o.dissemination_samples} updates, ${o.dissemination_incomplete} incomplete`,
    ]);
  // False positives with 10% loss.
  const flPeriods = full ? 10_000 : 1000;
  const fl = run('fp_n100_loss10', base({ nodes: 100, loss: 0.1, periods: flPeriods }));
  rows.push([`N=100, 10% loss, ${flPeriods} periods: healthy declared dead`, fl.false_positives, 'bar 0']);
  // False positives with 5% stalled nodes, Lifeguard on vs off, same seeds.
  const seeds = full ? [1, 2, 3] : [1, 2];
  const periods = full ? 10_000 : 500;
  const sum = { on: 0, off: 0, onStalled: 0, offStalled: 0 };
  for (const seed of seeds) {
    const a = run(`stall_on_s${seed}`, base({ nodes: 100, stalled: 0.05, seed, periods, kills: false }));
    const b = run(
      `stall_off_s${seed}`,
      base({ nodes: 100, stalled: 0.05, seed, periods, kills: false, lifeguard: false }),
    );
    sum.on += a.false_positives;
    sum.off += b.false_positives;
    sum.onStalled += a.stalled_declared_dead;
    sum.offStalled += b.stalled_declared_dead;
  }
  rows.push([
    `N=100, 5% stalled, ${periods} periods × ${seeds.length} seeds: healthy declared dead, Lifeguard on / off`,
    pair(sum.on, sum.off),
    `ratio ${sum.on === 0 ? (sum.off === 0 ? 'n/a' : `≥${sum.off}×`) : `${round(sum.off / sum.on, 1)}×`}; bar ≥10×`,
  ]);
  rows.push([
    'same runs: stalled nodes declared dead, Lifeguard on / off',
    pair(sum.onStalled, sum.offStalled),
    'stalls of 0.5–3 s every 0.5–2 s, catch-up 2 ms/packet',
  ]);
  const keysOnly = Object.fromEntries(Object.keys(KEYS_TEMPLATE).map((k) => [k, big[k as keyof Detail]]));
  return {
    rows,
    json: { ...keysOnly, suite: { ...results, stall_false_positives: { ...sum, periods, seeds } } },
  };
}

const bench: Benchmark = {
  name: 'swim-sim',
  description: 'SWIM + Lifeguard in simulated time: detection, false positives, dissemination, load, speed',
  async run(args) {
    const o = parseOptions(args);
    const single = ['nodes', 'loss', 'stalled', 'lifeguard', 'periods', 'seed'].some((k) => o.has(k));
    // Log each scenario of the suite as it finishes (stderr: stdout ends with the JSON line).
    if (!single) return suite(o.has('full'), (line) => process.stderr.write(`${line}\n`));
    const s = scenario(o);
    const out = simulate(s);
    const d = detail(out);
    return {
      rows: Object.entries(d).map(([k, v]) => [k, v]),
      json: o.has('detail') ? d : keys(out),
    };
  },
};

export default bench;
