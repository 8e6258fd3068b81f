/** The simulated network's failure modes, seen through the protocol. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SimCluster } from '../../swim/sim-cluster.js';

test('a partition splits the views; after the heal push-pull and refutation merge them', () => {
  const c = new SimCluster({ nodes: 12, seed: 77, config: { pushPullInterval: 2000 } });
  c.run(2000);
  const left = ['n0', 'n1', 'n2', 'n3', 'n4', 'n5'];
  c.net.partition([left]);
  c.run(20_000);
  assert.equal(c.node('n0').stateOf('n11'), 'dead');
  assert.equal(c.node('n11').stateOf('n0'), 'dead');
  c.net.heal();
  c.run(30_000);
  for (const s of c.nodes.values()) assert.equal(s.numLive, 12, `${s.name} sees all 12 again`);
});

test('a node joining through a seed learns the whole cluster', () => {
  const c = new SimCluster({ nodes: 20, seed: 3, bootstrap: false });
  c.run(10_000);
  for (const s of c.nodes.values()) assert.equal(s.numLive, 20, `${s.name}`);
});

test('a stalled node comes back and is alive again; nobody healthy is declared dead', () => {
  const dead: string[] = [];
  const c = new SimCluster({ nodes: 10, seed: 8 }, (s) => s.on('dead', (m) => dead.push(m.name)));
  c.run(2000);
  c.net.stall('n4', 6000, 2);
  c.run(20_000);
  assert.ok(
    dead.every((n) => n === 'n4'),
    dead.join(','),
  );
  for (const s of c.nodes.values()) assert.equal(s.stateOf('n4'), 'alive');
});

test('heavy duplication and reordering change nothing', () => {
  const c = new SimCluster({
    nodes: 10,
    seed: 5,
    network: { duplicate: 0.5, reorder: 0.5, reorderDelayMs: 80 },
  });
  let dead = 0;
  for (const s of c.nodes.values()) s.on('dead', () => dead++);
  c.run(30_000);
  assert.equal(dead, 0);
  c.kill('n9');
  c.markDown('n9', true);
  c.run(10_000);
  assert.ok(c.allSee('n9', ['dead']));
});

test('LAN preset: a failed node of a 10-node LAN is dead everywhere within 2 s of simulated time', () => {
  const c = new SimCluster({ nodes: 10, seed: 21 });
  c.run(3000);
  c.kill('n6');
  c.markDown('n6', true);
  c.run(2000);
  assert.ok(c.allSee('n6', ['dead']));
});
