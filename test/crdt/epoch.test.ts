/**
 * Epoch rebase (epoch.ts): agreed without a coordinator, nothing lost, and a rebased
 * document loads like a fresh one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClusterState, RETAIN_PREVIOUS_MS } from '../../crdt/index.js';
import { simulate } from './sim.js';

const replay = process.env.FIZZ_SEED ? [Number(process.env.FIZZ_SEED)] : null;

for (const [name, retainMs] of [
  ['the previous document kept for late changes', undefined],
  ['late changes ignored (their writers carry them over)', 0],
] as const) {
  test(`seeded simulations with rebases racing writes on every node converge to the model: ${name}`, () => {
    const seeds = replay ?? Array.from({ length: 40 }, (_, i) => 5000 + i);
    for (const seed of seeds) {
      try {
        simulate(seed, 3 + (seed % 4), 400, { rebases: 0.03, retainMs });
      } catch (err) {
        process.stderr.write(`epoch simulation failed; replay with FIZZ_SEED=${seed}\n`);
        throw err;
      }
    }
  });
}

const clockOf = (time: { t: number }) => () => time.t;

function sync(x: ClusterState, y: ClusterState): void {
  y.applyUpdate(x.encodeUpdate(y.stateVector()), 'net');
  x.applyUpdate(y.encodeUpdate(x.stateVector()), 'net');
}

test('epoch frames: epoch 0 is Yjs bytes as they are; a broken frame is an UpdateDecodeError', () => {
  const time = { t: 1000 };
  const a = new ClusterState({ nodeId: 'a', clock: clockOf(time) });
  a.setScale('p', 's', 1);
  const legacy = a.encodeUpdate();
  assert.equal(legacy[0], 0, 'a Yjs v2 update');
  a.rebase();
  const framed = a.encodeUpdate();
  assert.deepEqual([...framed.subarray(0, 6)], [0xff, 0x46, 0x5a, 0x45, 2, 1]);
  const b = new ClusterState({ nodeId: 'b', clock: clockOf(time) });
  b.applyUpdate(legacy, 'net');
  assert.equal(b.epoch, 0);
  b.applyUpdate(framed, 'net');
  assert.equal(b.epoch, 1);
  assert.equal(b.getScale('p', 's'), 1);
  const bad = [
    Uint8Array.of(0xff, 0x46, 0x5a, 0x45), // no kind
    Uint8Array.of(0xff, 0x46, 0x5a, 0x45, 3, 1, 0), // unknown kind
    Uint8Array.of(0xff, 0x46, 0x5a, 0x45, 1, 0x80), // epoch cut short
    Uint8Array.of(0xff, 0x46, 0x5a, 0x45, 2, 0, 0), // epoch 0 framed
    Uint8Array.of(0xff, 0x46, 0x5a, 0x45, 2, 0x80, 0x80, 0x80, 0x80, 0x10, 0), // past 2^32 − 1
    Uint8Array.of(0xff, 0x46, 0x5a, 0x45, 2, 5, 1, 2, 3), // not a Yjs update
  ];
  for (const bytes of bad) {
    const c = new ClusterState({ nodeId: 'c', clock: clockOf(time) });
    assert.throws(
      () => c.applyUpdate(bytes, 'evil'),
      (e: Error) => e.name === 'UpdateDecodeError',
      `${[...bytes]}`,
    );
    assert.equal(c.epoch, 0);
  }
});

test('a change of an epoch a replica has not got the document of is left for anti-entropy', () => {
  const time = { t: 1000 };
  const a = new ClusterState({ nodeId: 'a', clock: clockOf(time) });
  const b = new ClusterState({ nodeId: 'b', clock: clockOf(time) });
  a.setScale('p', 's', 1);
  sync(a, b);
  a.rebase();
  let gossiped: Uint8Array | undefined;
  a.onLocalUpdate((u) => {
    gossiped = u;
  });
  time.t += 10;
  a.setScale('p', 's', 2);
  b.applyUpdate(gossiped!, 'net');
  assert.equal(b.epoch, 0);
  assert.equal(b.getScale('p', 's'), 1);
  sync(b, a);
  assert.equal(b.epoch, 1);
  assert.equal(b.getScale('p', 's'), 2);
});

/** a rebases and b adopts; w, still in epoch 0, writes and gossips to a only. */
function lateWrite(): {
  a: ClusterState;
  b: ClusterState;
  w: ClusterState;
  time: { t: number };
  g: Uint8Array;
} {
  const time = { t: 1000 };
  const [a, b, w] = ['a', 'b', 'w'].map((nodeId) => new ClusterState({ nodeId, clock: clockOf(time) }));
  a!.setScale('p', 's', 1);
  sync(a!, b!);
  sync(a!, w!);
  a!.rebase();
  sync(a!, b!);
  let g: Uint8Array | undefined;
  w!.onLocalUpdate((u) => {
    g = u;
  });
  time.t += 10;
  w!.setScale('p', 's', 5);
  return { a: a!, b: b!, w: w!, time, g: g! };
}

test('a change sent in the old epoch by a node that never adopts the new one survives, when it arrives within RETAIN_PREVIOUS_MS', () => {
  const { a, b, w, time, g } = lateWrite();
  time.t += RETAIN_PREVIOUS_MS - 20;
  a.applyUpdate(g, 'net');
  w.destroy(); // gone for good, before any exchange with a node of epoch 1
  assert.equal(a.getScale('p', 's'), 5);
  sync(a, b);
  assert.equal(b.getScale('p', 's'), 5);
});

test('after RETAIN_PREVIOUS_MS such a change is ignored, and its writer carries it over when it adopts', () => {
  const { a, b, w, time, g } = lateWrite();
  time.t += RETAIN_PREVIOUS_MS + 1;
  a.applyUpdate(g, 'net');
  assert.equal(a.getScale('p', 's'), 1);
  sync(a, w); // w adopts epoch 1, then hands a what it carried over
  assert.equal(w.epoch, 1);
  sync(a, b);
  for (const s of [a, b, w]) assert.equal(s.getScale('p', 's'), 5);
});

test('a rebase and an adoption each hand the listeners one whole document of the new epoch, nothing framed with the old one', () => {
  const time = { t: 1000 };
  const a = new ClusterState({ nodeId: 'a', clock: clockOf(time) });
  const b = new ClusterState({ nodeId: 'b', clock: clockOf(time) });
  a.setScale('p', 's', 1);
  b.applyUpdate(a.encodeUpdate(), 'net');
  const heads: string[] = [];
  for (const s of [a, b])
    s.onUpdate((u, _origin, local) => heads.push(`${s.nodeId}:${[...u.subarray(0, 6)]}:${local}`));
  a.rebase();
  b.applyUpdate(a.encodeUpdate(b.stateVector()), 'net');
  const whole = '255,70,90,69,2,1';
  assert.deepEqual(heads, [`a:${whole}:false`, `b:${whole}:false`]);
  // b had nothing a lacked: it carried nothing over, and sends nothing.
});
