/**
 * Lifeguard's point, shown in simulated time on fixed seeds: nodes that stall (paused
 * processes that then work through a backlog) make plain SWIM declare healthy members
 * dead; with Lifeguard far fewer. And packet loss alone kills nobody healthy.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Scenario, simulate } from '../../swim/sim-scenario.js';

const base: Scenario = {
  nodes: 100,
  loss: 0,
  stalled: 0.05,
  lifeguard: true,
  periods: 120,
  seed: 11,
  kills: false,
  disseminate: false,
  updateEvery: 40,
  stallMs: [500, 3000],
  gapMs: [500, 2000],
  catchUpMs: 2,
};

test('with stalled nodes, Lifeguard declares far fewer healthy members dead than plain SWIM', () => {
  const on = simulate(base);
  const off = simulate({ ...base, lifeguard: false });
  assert.ok(off.falsePositives > 0, `plain SWIM shows the problem (seed ${base.seed})`);
  assert.ok(
    on.falsePositives * 5 <= off.falsePositives,
    `Lifeguard ${on.falsePositives} vs plain ${off.falsePositives} (seed ${base.seed})`,
  );
});

test('10% packet loss: nobody healthy is declared dead, and kills are still detected', () => {
  const o = simulate({ ...base, nodes: 40, stalled: 0, loss: 0.1, kills: true, periods: 400, seed: 5 });
  assert.equal(o.falsePositives, 0, 'seed 5');
  assert.ok(o.allDeadMs.length >= 8, `${o.allDeadMs.length} kills confirmed`);
  assert.equal(o.undetected, 0);
});
