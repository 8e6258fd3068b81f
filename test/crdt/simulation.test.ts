/**
 * Seeded simulations in the spirit of Yjs's own test helper: N replicas make random changes;
 * their updates travel as messages delivered in random order, duplicated, dropped, and cut
 * by partitions that later heal; anti-entropy (state-vector exchange) runs now and then.
 * At the end, after a heal and one round of anti-entropy, every replica must show the same
 * state, and that state must be what the last-writer-wins rules say. A failure names its
 * seed; FIZZ_SEED=<seed> replays one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClusterState } from '../../crdt/index.js';
import { act, Model, prng, randomOp, simulate, view } from './sim.js';

const replay = process.env.FIZZ_SEED ? [Number(process.env.FIZZ_SEED)] : null;

test('seeded simulations: random order, duplicates, drops, partitions and heals all converge', () => {
  const seeds = replay ?? Array.from({ length: 60 }, (_, i) => 1000 + i);
  for (const seed of seeds) {
    try {
      simulate(seed, 3 + (seed % 6), 400);
    } catch (err) {
      process.stderr.write(`simulation failed; replay with FIZZ_SEED=${seed}\n`);
      throw err;
    }
  }
});

test('updates applied in every order give the same state', () => {
  const rand = prng(7);
  const a = new ClusterState({ nodeId: 'a', clock: () => 100 });
  const updates: Uint8Array[] = [];
  a.onLocalUpdate((u) => updates.push(u));
  const model = new Model();
  for (let i = 0; i < 40; i++) act(a, randomOp(rand), model);
  const expected = view(a, ['a']);
  for (let trial = 0; trial < 20; trial++) {
    const order = [...updates];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const b = new ClusterState({ nodeId: 'b', clock: () => 0 });
    for (const u of order) b.applyUpdate(u, 'net');
    assert.deepEqual(view(b, ['a']), expected, `trial ${trial}`);
    const c = new ClusterState({ nodeId: 'c', clock: () => 0 });
    c.applyUpdate(ClusterState.merge(order), 'net');
    assert.deepEqual(view(c, ['a']), expected, `merged, trial ${trial}`);
  }
});
