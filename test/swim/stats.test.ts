/**
 * The counts SWIM keeps for the agent's metrics, in simulated time: each node's suspicions
 * and refuted suspicions match the suspect and alive events it emitted, and its failed
 * probes the ones that went unanswered while a member was cut off.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SimCluster } from '../../swim/sim-cluster.js';

test('suspicions raised and refuted are counted as the events say', () => {
  for (const seed of [1, 2, 3]) {
    const events = new Map<string, { suspect: number; alive: number }>();
    const c: SimCluster = new SimCluster({ nodes: 5, seed }, (s) => {
      const e = { suspect: 0, alive: 0 };
      events.set(s.name, e);
      s.on('suspect', () => e.suspect++);
      s.on('alive', () => e.alive++);
    });
    c.run(5_000);
    const probesBefore = c.names.map((n) => c.node(n).stats.probes);
    // n0 cut off for 2 s: long enough to be suspected, too short to be declared dead.
    c.net.partition([['n0']]);
    c.run(2_000);
    c.net.heal();
    c.run(10_000);
    let suspicions = 0;
    let refuted = 0;
    for (const name of c.names) {
      const { stats } = c.node(name);
      const e = events.get(name)!;
      assert.equal(stats.suspicions, e.suspect, `seed ${seed}, ${name}: suspicions`);
      assert.equal(stats.suspicionsRefuted, e.alive, `seed ${seed}, ${name}: refuted`);
      suspicions += stats.suspicions;
      refuted += stats.suspicionsRefuted;
      assert.ok(
        stats.probes > probesBefore[c.names.indexOf(name)]!,
        `seed ${seed}, ${name}: no probe counted`,
      );
    }
    assert.ok(suspicions > 0, `seed ${seed}: nobody suspected n0`);
    assert.ok(refuted > 0, `seed ${seed}: nobody saw n0 alive again`);
    assert.ok(
      c.names.some((n) => c.node(n).stats.probesFailed > 0),
      `seed ${seed}: no failed probe counted`,
    );
    assert.ok(
      c.names.every((n) => c.node(n).stateOf('n0') === 'alive' || n === 'n0'),
      `seed ${seed}: n0 not alive`,
    );
  }
});
