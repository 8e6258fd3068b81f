/**
 * Placement benchmark: time to place 10k slots on 10, 100 and 1000 nodes, the balance
 * (max/avg load), and how many slots move when a node dies (stays listed as dead), when
 * the dead node is reaped (moves between live nodes), and when a node joins.
 *   npm run bench -- placement [--slots 10000] [--max-replicas 5] [--runs 5] [--nodes-moved 100]
 * Slots are services of 1..max-replicas replicas (cycling), so spread matters.
 */
import { place } from '../src/placement/place.js';
import type { PlacementMember, PlacementResult, PlacementSlot } from '../src/placement/types.js';
import { type Benchmark, median, parseOptions, round } from './benchmark.js';

function members(n: number): PlacementMember[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `node-${String(i).padStart(4, '0')}`,
    name: `host-${i}`,
    status: 'alive' as const,
    labels: {},
  }));
}

function slots(count: number, maxReplicas: number): PlacementSlot[] {
  const out: PlacementSlot[] = [];
  for (let s = 0; out.length < count; s++) {
    const replicas = 1 + (s % maxReplicas);
    for (let r = 0; r < replicas && out.length < count; r++)
      out.push({ project: 'bench', service: `svc-${s}`, replica: r });
  }
  return out;
}

function maxOverAvg(r: PlacementResult, n: number): number {
  const load = new Map<string, number>();
  for (const v of r.assignment.values()) load.set(v, (load.get(v) ?? 0) + 1);
  return Math.max(...load.values()) / (r.assignment.size / n);
}

function movedFraction(a: PlacementResult, b: PlacementResult): number {
  let moved = 0;
  for (const [k, v] of a.assignment) if (b.assignment.get(k) !== v) moved++;
  return moved / a.assignment.size;
}

const bench: Benchmark = {
  name: 'placement',
  description: 'rendezvous placement with bounded loads: speed, balance, movement on leave/join',
  async run(args) {
    const opts = parseOptions(args);
    const total = Number(opts.get('slots') ?? 10_000);
    const maxReplicas = Number(opts.get('max-replicas') ?? 5);
    const runs = Number(opts.get('runs') ?? 5);
    const movedNodes = Number(opts.get('nodes-moved') ?? 100);
    const ss = slots(total, maxReplicas);
    const rows: Array<[string, string | number, string?]> = [];
    const json: Record<string, unknown> = { slots: ss.length, max_replicas: maxReplicas, load_factor: 1.25 };

    for (const n of [10, 100, 1000]) {
      const ms = members(n);
      place(ss, ms); // warm-up: JIT
      const times: number[] = [];
      let result: PlacementResult | undefined;
      for (let i = 0; i < runs; i++) {
        const t = performance.now();
        result = place(ss, ms);
        times.push(performance.now() - t);
      }
      const ms_ = round(median(times), 1);
      const balance = round(maxOverAvg(result!, n), 3);
      rows.push([`place ${ss.length} slots on ${n} nodes`, `${ms_} ms`, `median of ${runs}`]);
      rows.push([
        `max/avg load, ${n} nodes`,
        balance,
        `bound ⌈1.25·avg⌉/avg = ${round(Math.ceil((1.25 * ss.length) / n) / (ss.length / n), 3)}`,
      ]);
      json[`place_10k_on_${n}_ms`] = ms_;
      json[`max_over_avg_${n}`] = balance;
    }

    // Movement: several different nodes leave (one at a time), several different ones join.
    const movement = (n: number) => {
      const ms = members(n);
      const base = place(ss, ms);
      const leaves: number[] = [];
      const reaps: number[] = [];
      const joins: number[] = [];
      for (let k = 0; k < 5; k++) {
        const dead = ms[Math.floor(((k + 0.5) * n) / 5)]!.id;
        const died = place(
          ss,
          ms.map((m) => (m.id === dead ? { ...m, status: 'dead' as const } : m)),
        );
        leaves.push(movedFraction(base, died));
        reaps.push(
          movedFraction(
            died,
            place(
              ss,
              ms.filter((m) => m.id !== dead),
            ),
          ),
        );
        joins.push(
          movedFraction(
            base,
            place(ss, [...ms, { id: `joiner-${k}`, name: `joiner-${k}`, status: 'alive', labels: {} }]),
          ),
        );
      }
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      return { leave: mean(leaves), reap: mean(reaps), join: mean(joins) };
    };
    for (const n of [10, 100, 1000]) {
      const m = movement(n);
      rows.push([`moved on leave, ${n} nodes`, round(m.leave, 4), `ideal 1/N = ${round(1 / n, 4)}`]);
      rows.push([`moved on reap, ${n} nodes`, round(m.reap, 4), 'between live nodes, ideal 0']);
      rows.push([`moved on join, ${n} nodes`, round(m.join, 4), `ideal 1/(N+1) = ${round(1 / (n + 1), 4)}`]);
      json[`moved_on_leave_fraction_${n}`] = round(m.leave, 4);
      json[`moved_on_reap_fraction_${n}`] = round(m.reap, 4);
      json[`moved_on_join_fraction_${n}`] = round(m.join, 4);
      if (n === movedNodes) {
        json.moved_on_leave_fraction = round(m.leave, 4);
        json.moved_on_reap_fraction = round(m.reap, 4);
        json.moved_on_join_fraction = round(m.join, 4);
        json.moved_nodes = n;
        json.moved_on_leave_ideal = round(1 / n, 4);
        json.moved_on_join_ideal = round(1 / (n + 1), 4);
      }
    }
    return { rows, json };
  },
};

export default bench;
