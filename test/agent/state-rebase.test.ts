/**
 * The agent's rebase trigger (src/agent/state-rebase.ts): the rule as a table; the wait and
 * the reset on adoption with a fake state; every replica of the seeded CRDT simulation
 * running it while writes race (nothing lost, one epoch); and stores churned until it fires,
 * whose documents then reload with as few structs as a fresh one with the same content.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { type ClusterState, openStore, type Store } from '../../crdt/index.js';
import type { Clock } from '../../src/agent/clock.js';
import { silentLogger } from '../../src/agent/logger.js';
import {
  REBASE_POLICY,
  type Rebasable,
  type RebasePolicy,
  type RebaseView,
  rebaseDue,
  StateRebaser,
} from '../../src/agent/state-rebase.js';
import { prng, simulate } from '../crdt/sim.js';

const P: RebasePolicy = { ...REBASE_POLICY };
const HOUR = 3_600_000;
const at = (v: Partial<RebaseView>): RebaseView => ({
  now: 10 * HOUR,
  history: 100,
  previousHistory: 100,
  epochHistory: 10,
  epochSince: Number.NEGATIVE_INFINITY,
  ...v,
});

const table: Array<[string, RebaseView, ReturnType<typeof rebaseDue>]> = [
  ['small and quiet: nothing', at({}), undefined],
  ['past maxHistory, still growing', at({ history: 50_001, previousHistory: 49_000 }), 'too-big'],
  ['at maxHistory exactly, growing', at({ history: 50_000, previousHistory: 49_000 }), undefined],
  [
    'quiet, grown past twice the epoch start plus the slack',
    at({ history: 2_201, previousHistory: 2_201, epochHistory: 600 }),
    'quiet',
  ],
  ['quiet, not grown enough', at({ history: 2_200, previousHistory: 2_200, epochHistory: 600 }), undefined],
  ['grown but still changing', at({ history: 3_000, previousHistory: 2_990 }), undefined],
  ['the first check knows no previous size', at({ history: 3_000, previousHistory: undefined }), undefined],
  [
    'too big, but the epoch changed 14 minutes ago',
    at({ history: 90_000, epochSince: 10 * HOUR - 14 * 60_000 }),
    undefined,
  ],
  [
    'too big, the epoch changed 15 minutes ago',
    at({ history: 90_000, epochSince: 10 * HOUR - 15 * 60_000 }),
    'too-big',
  ],
];
for (const [name, view, want] of table)
  test(`rebaseDue: ${name}`, () => assert.equal(rebaseDue(view, P), want));

/** A manual clock: checks are called directly, nothing sleeps. */
function manualClock(time: { t: number }): Clock {
  return { now: () => time.t, sleep: () => Promise.reject(new Error('tests call check()')) };
}

test('a due rebase waits its random share of the jitter; an adopted epoch meanwhile calls it off', () => {
  const time = { t: 10 * HOUR };
  const state = { epoch: 0, history: 60_000, rebases: 0 };
  const target: Rebasable = {
    get epoch() {
      return state.epoch;
    },
    historySize: () => state.history,
    rebase: () => {
      state.epoch++;
      state.rebases++;
      state.history = 20;
    },
  };
  const r = new StateRebaser({
    state: target,
    clock: manualClock(time),
    random: () => 0.5,
    logger: silentLogger(),
  });
  assert.equal(r.check(), false, 'due, waiting 60 s');
  time.t += 59_000;
  assert.equal(r.check(), false);
  time.t += 1_000;
  assert.equal(r.check(), true);
  assert.deepEqual([state.epoch, state.rebases], [1, 1]);

  // Later another node's epoch is adopted while this one waits: the wait is called off.
  time.t += HOUR;
  state.history = 60_000;
  assert.equal(r.check(), false, 'due again, waiting');
  state.epoch = 5; // adopted
  state.history = 30;
  time.t += 2 * 60_000;
  assert.equal(r.check(), false);
  assert.equal(state.rebases, 1);
});

test('seeded simulations: every replica runs the trigger while writes race, drops, duplicates and partitions: nothing lost, one epoch', () => {
  // Scaled to the simulation's small documents and its clock (~10 ms a step).
  const policy: Partial<RebasePolicy> = {
    maxHistory: 60,
    idleFactor: 1.5,
    idleSlack: 5,
    minIntervalMs: 300,
    jitterMs: 200,
  };
  let rebases = 0;
  let epochs = 0;
  for (let seed = 1; seed <= 20; seed++) {
    const rand = prng(seed * 7919);
    const states = simulate(seed, 3 + (seed % 4), 400, {
      rebases: 0,
      each: (state, now) => {
        const r = new StateRebaser({
          state,
          clock: { now, sleep: () => Promise.resolve() },
          random: rand,
          logger: silentLogger(),
          policy,
        });
        return () => {
          if (r.check()) rebases++;
        };
      },
    });
    epochs += states[0]!.epoch;
  }
  assert.ok(epochs >= 20, `the trigger fired in the simulations (final epochs summed: ${epochs})`);
  assert.ok(rebases >= epochs, `${rebases} rebases for ${epochs} epochs`);
});

/** A project of 10 services, as the growth tests write it. */
const spec = (i: number) => ({
  name: 'web',
  services: Object.fromEntries(Array.from({ length: 10 }, (_, k) => [`s${k}`, { image: `img:${i}` }])),
});

function sync(x: ClusterState, y: ClusterState): void {
  y.applyUpdate(x.encodeUpdate(y.stateVector()), 'net');
  x.applyUpdate(y.encodeUpdate(x.stateVector()), 'net');
}

test('stores churned by scale changes and up/down cycles: the trigger keeps the history bounded, and after the churn every node reloads as small as a fresh document', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'fizz-rebase-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const time = { t: 10 * HOUR };
  const policy: Partial<RebasePolicy> = { maxHistory: 5_000 };
  const ids = ['a', 'b', 'c'];
  const stores: Store[] = [];
  for (const id of ids)
    stores.push(await openStore(join(root, id), { nodeId: id, clock: () => time.t, fsync: false }));
  const [a, b, c] = stores.map((s) => s.state) as [ClusterState, ClusterState, ClusterState];
  const rand = prng(42);
  const rebasers = stores.map(
    (s) =>
      new StateRebaser({
        state: s.state,
        clock: manualClock(time),
        random: rand,
        logger: silentLogger(),
        policy,
      }),
  );
  let lastCheck = time.t;
  let most = 0;
  const step = (ms: number) => {
    time.t += ms;
    if (time.t - lastCheck < 60_000) return;
    lastCheck = time.t;
    sync(a, b);
    sync(a, c);
    for (const r of rebasers) r.check();
    most = Math.max(most, ...stores.map((s) => s.state.historySize()));
  };

  a.putProject(spec(0));
  for (let i = 0; i < 20_000; i++) {
    (i % 2 ? a : b).setScale('web', `s${i % 10}`, i % 7);
    step(100);
  }
  for (let i = 0; i < 200; i++) {
    a.putProject(spec(i));
    step(1_000);
    (i % 20 === 0 ? c : a).removeProject('web');
    step(1_000);
  }
  a.putProject(spec(200));
  b.setScale('web', 's3', 4);
  const churned = Math.max(...stores.map((s) => s.state.historySize()));
  // The churn is over: minutes pass with nothing written; anti-entropy runs every check.
  for (let m = 0; m < 30; m++) step(60_000);
  const epochs = stores.map((s) => s.state.epoch);
  assert.ok(Math.min(...epochs) >= 2, `rebased under churn and after it: epochs ${epochs}`);
  // One struct a change, ten changes a second: past maxHistory a rebase comes at the latest
  // once minIntervalMs, the jitter and a check have passed since the last epoch.
  const { minIntervalMs, jitterMs, checkEveryMs } = REBASE_POLICY;
  const bound = 5_000 + ((minIntervalMs + jitterMs + checkEveryMs) / 1000) * 10;
  assert.ok(
    most <= bound,
    `history bounded under churn: at most ${most} structs (bound ${bound}; 20,000+ without)`,
  );
  for (const s of stores) await s.close();

  const fresh = await openStore(join(root, 'fresh'), { nodeId: 'a', clock: () => time.t, fsync: false });
  fresh.state.putProject(spec(200));
  fresh.state.setScale('web', 's3', 4);
  const want = { spec: fresh.state.getProject('web'), scale: fresh.state.getScale('web', 's3') };
  await fresh.close();
  const reopenedFresh = await openStore(join(root, 'fresh'), {
    nodeId: 'a',
    clock: () => time.t,
    fsync: false,
  });
  const freshSize = reopenedFresh.state.historySize();
  await reopenedFresh.close();
  for (const id of ids) {
    const s = await openStore(join(root, id), { nodeId: id, clock: () => time.t, fsync: false });
    const size = s.state.historySize();
    const got = { spec: s.state.getProject('web'), scale: s.state.getScale('web', 's3') };
    await s.close();
    assert.deepEqual(got, want, `${id} reads what was written last`);
    assert.ok(
      size <= 4 * freshSize,
      `${id}: ${size} structs after the churn (${churned} at its end), a fresh document ${freshSize}`,
    );
  }
});
