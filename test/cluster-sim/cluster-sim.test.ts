/**
 * The whole cluster in one process (sim.ts): 100 nodes running real SWIM over the
 * simulated network, 1,000 replicas placed by each node over its own member view, 10
 * nodes killed at once. The survivors must run every slot exactly once again within the
 * time SWIM needs to confirm the deaths, and again after they reap the dead.
 * FIZZ_SEED=<seed> replays one run; every failure names its seed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lanConfig, suspicionMaxMs } from '../../swim/config.js';
import { runClusterSim } from './sim.js';

const seed = process.env.FIZZ_SEED ? Number(process.env.FIZZ_SEED) : 20261207;
const NODES = 100;
const cfg = lanConfig('x');
/**
 * A death is confirmed at the latest when the suspicion timeout runs out without
 * confirmations (suspicion max), then spreads by gossip in a few periods; the start takes
 * one more. 10 periods of slack for the spread and the last node to hear.
 */
const BOUND_PERIODS = Math.ceil(suspicionMaxMs(cfg, NODES) / cfg.probeInterval) + 1 + 10;

test(`100 nodes, 1,000 replicas, 10 killed: exactly once again within ${BOUND_PERIODS} periods, and after the reap (seed ${seed})`, (t) => {
  t.diagnostic(`seed ${seed} (replay with FIZZ_SEED=${seed})`);
  const r = runClusterSim({ nodes: NODES, replicas: 1000, killed: 10, seed, throughReap: true });
  const why = (what: string) => `${what}; seed ${seed}, replay with FIZZ_SEED=${seed}: ${JSON.stringify(r)}`;
  const d = r.death;
  t.diagnostic(
    `death: exactly once after ${d.reconvergePeriods} periods, ${d.missingReplicaS.toFixed(1)} replica-s missing, ` +
      `${d.surplusReplicaS.toFixed(1)} surplus, ${d.starts} starts, ${d.stops} stops; ` +
      `reap: ${r.reap?.reconvergePeriods} periods, ${r.reap?.starts} moves; ` +
      `${r.placements} placements for ${r.placements + r.placementsShared} view changes; ${r.wallS.toFixed(1)} s`,
  );

  assert.notEqual(d.viewPeriods, null, why('some survivor never saw every victim dead'));
  assert.notEqual(d.reconvergePeriods, null, why('never ran every slot exactly once after the kill'));
  assert.ok(d.reconvergePeriods! <= BOUND_PERIODS, why(`took ${d.reconvergePeriods} periods`));
  // Every slot of a victim had to start somewhere; no slot homed on a survivor moved, so
  // the stops are only re-placed orphans shifting while views differ.
  assert.ok(d.starts >= 50, why('too few starts for the victims’ slots'));
  assert.ok(d.stops <= 0.2 * d.starts, why(`${d.stops} stops for ${d.starts} starts`));
  // Nothing ran nowhere for longer than detection and start allow.
  assert.ok(
    d.missingReplicaS <= d.starts * BOUND_PERIODS * (cfg.probeInterval / 1000),
    why('missing replica-seconds beyond the bound'),
  );

  const reap = r.reap;
  assert.ok(reap, why('the dead were never reaped'));
  assert.notEqual(reap.viewPeriods, null, why('some survivor never reaped every victim'));
  assert.notEqual(reap.reconvergePeriods, null, why('never exactly once after the reap'));
  assert.ok(reap.reconvergePeriods! <= BOUND_PERIODS, why(`reap took ${reap.reconvergePeriods} periods`));
  // A reap shifts slots between live members: each move is one stop and one start.
  assert.equal(reap.starts, reap.stops, why('a reap lost or added replicas'));
});

test(`make-before-break: the reap shifts slots between live nodes with no replica missing (seed ${seed})`, (t) => {
  t.diagnostic(`seed ${seed} (replay with FIZZ_SEED=${seed})`);
  const r = runClusterSim({
    nodes: NODES,
    replicas: 1000,
    killed: 10,
    seed,
    throughReap: true,
    handoff: 'make-before-break',
    statusDelayPeriods: 1,
  });
  const why = (what: string) => `${what}; seed ${seed}, replay with FIZZ_SEED=${seed}: ${JSON.stringify(r)}`;
  const reap = r.reap;
  assert.ok(reap && reap.reconvergePeriods !== null, why('never exactly once after the reap'));
  assert.ok(reap.stops > 0, why('the reap moved nothing'));
  assert.equal(reap.missingReplicaS, 0, why('a slot ran nowhere during the reap'));
  t.diagnostic(
    `reap: ${reap.stops} moves, ${reap.surplusReplicaS.toFixed(1)} duplicate replica-s, exactly once after ${reap.reconvergePeriods} periods`,
  );
});

test('the same seed replays the same run', () => {
  const a = runClusterSim({ nodes: 30, replicas: 200, killed: 3, seed });
  const b = runClusterSim({ nodes: 30, replicas: 200, killed: 3, seed });
  const figures = (r: typeof a) => ({ ...r, placeS: 0, wallS: 0 });
  assert.deepEqual(figures(b), figures(a), `seed ${seed}`);
});
