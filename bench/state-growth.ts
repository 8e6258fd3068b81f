/**
 * state-growth: does the cluster state stay small over months of changes? Three nodes, each
 * with its own store and the agent's rebase trigger (src/agent/state-rebase.ts, default
 * policy), go through 100,000 scale changes (two writers, one every --change-ms of simulated
 * time) and 1,000 up/down cycles of a 10-service project, with anti-entropy every 15 s and
 * the trigger checked every minute; then 30 quiet minutes. Measured in the same run:
 *   load_ms_fresh        openStore of a fresh store holding the same content (the floor)
 *   load_ms_after_churn  openStore of node a's store after all that (bar: < 1.5 × fresh)
 *   load_ms_no_trigger   the same churn on a store with no trigger (what it was before)
 * Load times are medians of --loads opens, interleaved.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ClusterState, openStore, type Store } from '../crdt/index.js';
import type { Clock } from '../src/agent/clock.js';
import { silentLogger } from '../src/agent/logger.js';
import { StateRebaser } from '../src/agent/state-rebase.js';
import { type Benchmark, median, parseOptions, round } from './benchmark.js';

const spec = (i: number) => ({
  name: 'web',
  services: Object.fromEntries(
    Array.from({ length: 10 }, (_, k) => [
      `s${k}`,
      { image: `img:${i}`, environment: { A: 'x'.repeat(50) } },
    ]),
  ),
});

function sync(x: ClusterState, y: ClusterState): void {
  y.applyUpdate(x.encodeUpdate(y.stateVector()), 'net');
  x.applyUpdate(y.encodeUpdate(x.stateVector()), 'net');
}

/** A seeded PRNG (mulberry32) for the trigger's wait, so runs repeat. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Churned {
  rebases: number;
  epoch: number;
  mostStructs: number;
}

/** The churn on `ids` stores under `root`; with `trigger`, each runs the agent's rebase trigger. */
async function churn(root: string, ids: string[], trigger: boolean, changeMs: number): Promise<Churned> {
  const time = { t: 1_800_000_000_000 };
  const clock: Clock = { now: () => time.t, sleep: () => Promise.resolve() };
  const stores: Store[] = [];
  for (const id of ids)
    stores.push(await openStore(join(root, id), { nodeId: id, clock: () => time.t, fsync: false }));
  const states = stores.map((s) => s.state);
  const random = prng(7);
  const rebasers = trigger
    ? states.map((state) => new StateRebaser({ state, clock, random, logger: silentLogger() }))
    : [];
  let rebases = 0;
  let mostStructs = 0;
  let lastSync = time.t;
  let lastCheck = time.t;
  const pass = (ms: number) => {
    time.t += ms;
    if (time.t - lastSync >= 15_000) {
      lastSync = time.t;
      for (let i = 1; i < states.length; i++) sync(states[0]!, states[i]!);
    }
    if (time.t - lastCheck >= 60_000) {
      lastCheck = time.t;
      for (const r of rebasers) if (r.check()) rebases++;
      mostStructs = Math.max(mostStructs, ...states.map((s) => s.historySize()));
    }
  };
  const [a, b] = states as [ClusterState, ClusterState];
  a.putProject(spec(0));
  for (let i = 0; i < 100_000; i++) {
    (i % 2 ? a : b).setScale('web', `s${i % 10}`, i % 7);
    pass(changeMs);
  }
  for (let i = 0; i < 1000; i++) {
    a.putProject(spec(i));
    pass(1_000);
    (i % 20 === 0 ? b : a).removeProject('web');
    pass(1_000);
  }
  a.putProject(spec(1000));
  a.setScale('web', 's3', 4);
  for (let m = 0; m < 30 * 60; m++) pass(1_000);
  const epoch = a.epoch;
  for (const s of stores) await s.close();
  return { rebases, epoch, mostStructs };
}

async function loadMs(dir: string): Promise<{ ms: number; structs: number; docBytes: number }> {
  const started = performance.now();
  const store = await openStore(dir, { nodeId: 'a', clock: () => 1_900_000_000_000, fsync: false });
  const ms = performance.now() - started;
  const out = { ms, structs: store.state.historySize(), docBytes: store.state.encodeUpdate().length };
  await store.close();
  return out;
}

function diskBytes(dir: string): number {
  return readdirSync(dir)
    .filter((f) => f.startsWith('state.'))
    .reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}

const bench: Benchmark = {
  name: 'state-growth',
  description:
    '100,000 scale changes + 1,000 up/down cycles on 3 nodes with the rebase trigger: load time vs a fresh store',
  async run(args) {
    const opts = parseOptions(args);
    const loads = Number(opts.get('loads') ?? 31);
    const changeMs = Number(opts.get('change-ms') ?? 50);
    const root = mkdtempSync(join(tmpdir(), 'fizz-growth-'));
    try {
      const withTrigger = await churn(join(root, 'on'), ['a', 'b', 'c'], true, changeMs);
      await churn(join(root, 'off'), ['a', 'b'], false, changeMs);
      const fresh = await openStore(join(root, 'fresh'), {
        nodeId: 'a',
        clock: () => 1_800_000_000_000,
        fsync: false,
      });
      fresh.state.putProject(spec(1000));
      fresh.state.setScale('web', 's3', 4);
      await fresh.close();

      // One unmeasured round: the first open of a run also compiles the store's code.
      for (const dir of ['fresh', 'on/a', 'off/a']) await loadMs(join(root, dir));
      const r = { fresh: [] as number[], after: [] as number[], none: [] as number[] };
      let sizes = { fresh: 0, after: 0, none: 0, docBytes: 0 };
      for (let i = 0; i < loads; i++) {
        const f = await loadMs(join(root, 'fresh'));
        const a = await loadMs(join(root, 'on', 'a'));
        const n = await loadMs(join(root, 'off', 'a'));
        r.fresh.push(f.ms);
        r.after.push(a.ms);
        r.none.push(n.ms);
        sizes = { fresh: f.structs, after: a.structs, none: n.structs, docBytes: a.docBytes };
      }
      const m = (xs: number[]) => round(median(xs), 2);
      const json = {
        load_ms_fresh: m(r.fresh),
        load_ms_after_churn: m(r.after),
        doc_bytes_after_churn: sizes.docBytes,
        ratio_after_churn: round(median(r.after) / median(r.fresh), 2),
        bar_met: median(r.after) < 1.5 * median(r.fresh),
        structs_fresh: sizes.fresh,
        structs_after_churn: sizes.after,
        disk_bytes_after_churn: diskBytes(join(root, 'on', 'a')),
        rebases: withTrigger.rebases,
        epoch_after_churn: withTrigger.epoch,
        most_structs_during_churn: withTrigger.mostStructs,
        load_ms_no_trigger: m(r.none),
        structs_no_trigger: sizes.none,
        change_ms: changeMs,
        loads,
      };
      return {
        rows: [
          [
            'load, fresh store, same content',
            json.load_ms_fresh,
            `ms, median of ${loads}; ${json.structs_fresh} structs`,
          ],
          [
            'load after the churn, with the trigger',
            json.load_ms_after_churn,
            `ms; ${json.structs_after_churn} structs; bar < 1.5 × fresh`,
          ],
          ['ratio', json.ratio_after_churn, json.bar_met ? 'bar met' : 'bar missed'],
          [
            'document after the churn',
            json.doc_bytes_after_churn,
            `bytes (on disk ${json.disk_bytes_after_churn})`,
          ],
          [
            'rebases (3 nodes)',
            json.rebases,
            `epoch ${json.epoch_after_churn}; at most ${json.most_structs_during_churn} structs seen`,
          ],
          [
            'load after the churn, no trigger',
            json.load_ms_no_trigger,
            `ms; ${json.structs_no_trigger} structs`,
          ],
        ],
        json,
      };
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
};

export default bench;
