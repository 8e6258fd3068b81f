/**
 * cluster-sim: a whole cluster in one process (test/cluster-sim/sim.ts). N nodes run the
 * real SWIM over the simulated network, each places the desired slots over its own
 * member view and runs its share; 10% of the nodes are killed at once. Reports the
 * periods until every slot runs exactly once again on the live nodes, and the
 * replica-seconds missing and duplicated on the way.
 *   npm run bench -- cluster-sim [--nodes 1000] [--replicas 10000] [--killed 100] [--seed 1]
 *                                [--start-periods 1] [--ticks-per-period 1] [--max-replicas 5]
 *                                [--loss 0] [--placement two-pass|live-only] [--through-reap]
 *                                [--handoff stop-first|make-before-break] [--status-delay-periods 0]
 * --through-reap also runs until every survivor has reaped the dead (30 s of simulated
 * time later) and reports the reap; at 1000 nodes it adds a full placement per distinct
 * listed set (~100 ms each, about a thousand of them).
 * Another benchmark gets the same figures with `runClusterSim(opts)` and `simKeys(result)`.
 */

import type { PlacementMode } from '../test/cluster-sim/placer.js';
import type { Handoff } from '../test/cluster-sim/runtime.js';
import { type ClusterSimResult, runClusterSim, simKeys } from '../test/cluster-sim/sim.js';
import { type Benchmark, parseOptions, round } from './benchmark.js';

export { runClusterSim, simKeys };

function rows(r: ClusterSimResult): Array<[string, string | number, string?]> {
  const o = r.options;
  const d = r.death;
  const out: Array<[string, string | number, string?]> = [
    ['nodes / replicas / killed', `${o.nodes} / ${o.replicas} / ${o.killed}`, `seed ${o.seed}`],
    [
      'periods until exactly once',
      d.reconvergePeriods ?? 'never',
      `${r.periodMs} ms LAN period; start takes ${o.startPeriods}`,
    ],
    [
      'periods until every survivor saw every death',
      d.viewPeriods ?? 'never',
      'SWIM detection + dissemination',
    ],
    ['missing replica-seconds', round(d.missingReplicaS, 1), 'slots running nowhere, integrated'],
    ['duplicate replica-seconds', round(d.surplusReplicaS, 1), 'copies beyond one, integrated'],
    ['starts / stops after the kill', `${d.starts} / ${d.stops}`, 'stops: slots moved off a live node'],
  ];
  if (r.reap) {
    const p = r.reap;
    out.push(
      ['reap: periods until exactly once', p.reconvergePeriods ?? 'never', 'from the first reap'],
      [
        'reap: missing / duplicate replica-s',
        `${round(p.missingReplicaS, 1)} / ${round(p.surplusReplicaS, 1)}`,
      ],
      ['reap: slots moved between live nodes', p.stops],
    );
  }
  out.push(
    [
      'placements computed / view changes',
      `${r.placements} / ${r.placements + r.placementsShared}`,
      `${round(r.placeS, 1)} s placing (${o.placement}, ${o.handoff})`,
    ],
    ['wall time', `${round(r.wallS, 1)} s`],
  );
  return out;
}

const bench: Benchmark = {
  name: 'cluster-sim',
  description:
    'whole-cluster simulation: real SWIM + placement per node, 10% killed at once, time to exactly-once',
  async run(args) {
    const opts = parseOptions(args);
    const nodes = Number(opts.get('nodes') ?? 1000);
    const replicas = Number(opts.get('replicas') ?? 10_000);
    const killed = Number(opts.get('killed') ?? Math.round(nodes / 10));
    const r = runClusterSim({
      nodes,
      replicas,
      killed,
      seed: Number(opts.get('seed') ?? 1),
      startPeriods: Number(opts.get('start-periods') ?? 1),
      ticksPerPeriod: Number(opts.get('ticks-per-period') ?? 1),
      maxReplicas: Number(opts.get('max-replicas') ?? 5),
      throughReap: opts.has('through-reap'),
      placement: (opts.get('placement') ?? 'two-pass') as PlacementMode,
      handoff: (opts.get('handoff') ?? 'stop-first') as Handoff,
      statusDelayPeriods: Number(opts.get('status-delay-periods') ?? 0),
      network: { loss: Number(opts.get('loss') ?? 0) },
    });
    const json: Record<string, unknown> = {
      ...simKeys(r),
      nodes,
      replicas,
      killed,
      seed: r.options.seed,
      start_periods: r.options.startPeriods,
      period_ms: r.periodMs,
      placement: r.options.placement,
      handoff: r.options.handoff,
      sim_view_periods: r.death.viewPeriods,
      sim_starts: r.death.starts,
      sim_stops: r.death.stops,
    };
    if (r.reap) {
      json.sim_reap_reconverge_periods = r.reap.reconvergePeriods;
      json.sim_reap_missing_replica_s = round(r.reap.missingReplicaS);
      json.sim_reap_duplicate_replica_s = round(r.reap.surplusReplicaS);
      json.sim_reap_moved = r.reap.stops;
    }
    json.wall_s = round(r.wallS, 1);
    return { rows: rows(r), json };
  },
};

export default bench;
