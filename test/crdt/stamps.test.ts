/**
 * Far-future stamps (lww.ts, "Stamps from the future"): a hostile or buggy peer's stamp more
 * than MAX_AHEAD_MS ahead of a replica's clock is ignored until that clock catches up, so it
 * can neither freeze a register (stamps that can no longer grow) nor make a later local
 * write, stamped past the valid range, delete a valid entry.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import * as Y from 'yjs';
import { ClusterState, MAX_AHEAD_MS, MAX_AT, type StateChange } from '../../crdt/index.js';

function hostileUpdate(writes: Array<[map: string, key: string, value: unknown]>): Uint8Array {
  const doc = new Y.Doc();
  doc.transact(() => {
    for (const [map, key, value] of writes) doc.getMap(map).set(key, value);
  });
  return Y.encodeStateAsUpdateV2(doc);
}

function sync(x: ClusterState, y: ClusterState): void {
  y.applyUpdate(x.encodeUpdate(y.stateVector()), 'net');
  x.applyUpdate(y.encodeUpdate(x.stateVector()), 'net');
}

const T0 = 1_700_000_000_000;
const scaleFrom = (at: number) => hostileUpdate([['scale/1', 'p\u0000s\u0000zz', { at, node: 'zz', n: 7 }]]);

/** `at` must stay beyond the horizon while the clock advances the 10 s this takes. */
function checkNoFreeze(at: number): void {
  const time = { t: T0 };
  const a = new ClusterState({ nodeId: 'a', clock: () => time.t });
  const b = new ClusterState({ nodeId: 'b', clock: () => time.t });
  a.putProject({ name: 'p', services: { s: {} } });
  b.applyUpdate(a.encodeUpdate(), 'net');
  b.setScale('p', 's', 5);
  sync(a, b);
  a.applyUpdate(scaleFrom(at), 'evil');
  assert.equal(a.getScale('p', 's'), 5, `at=${at}: the far-future entry won`);
  for (let i = 0; i < 10; i++) {
    time.t += 1000;
    const [w, r] = i % 2 ? [b, a] : [a, b];
    w.setScale('p', 's', i);
    assert.equal(w.getScale('p', 's'), i, `at=${at}: write ${i} is not visible to its writer`);
    sync(w, r);
    assert.equal(r.getScale('p', 's'), i, `at=${at}: write ${i} did not win on the other replica`);
  }
  for (const s of [a, b]) {
    const last = s.lastWrite()?.at ?? 0;
    assert.ok(last <= time.t, `at=${at}: stamps were dragged ahead of the clock (${last - time.t} ms)`);
  }
}

test('a stamp at 2^52, MAX_AT or any far-future value neither freezes a register nor deletes a valid entry', () => {
  for (const at of [MAX_AT, MAX_AT - 5, 2 ** 52, T0 + MAX_AHEAD_MS + 20_000, T0 + 10 * MAX_AHEAD_MS])
    checkNoFreeze(at);
  fc.assert(
    fc.property(fc.integer({ min: T0 + MAX_AHEAD_MS + 20_000, max: MAX_AT }), (at) => checkNoFreeze(at)),
    { numRuns: 50 },
  );
});

test('an entry from the future counts once the clock is within MAX_AHEAD_MS of it, on every replica alike', () => {
  const time = { t: T0 };
  const a = new ClusterState({ nodeId: 'a', clock: () => time.t });
  const b = new ClusterState({ nodeId: 'b', clock: () => time.t + 500 });
  a.putProject({ name: 'p', services: { s: {} } });
  a.setScale('p', 's', 2);
  sync(a, b);
  const changes: StateChange[] = [];
  a.on('change', (e) => changes.push(e));
  // A buggy peer whose clock ran two days ahead.
  const ahead = T0 + 2 * MAX_AHEAD_MS;
  a.applyUpdate(scaleFrom(ahead), 'net');
  sync(a, b);
  assert.equal(a.getScale('p', 's'), 2);
  assert.equal(b.getScale('p', 's'), 2);
  changes.length = 0;
  time.t = ahead - MAX_AHEAD_MS + 1000;
  a.putProject({ name: 'q' }); // any write or update re-checks
  sync(a, b);
  assert.equal(a.getScale('p', 's'), 7, 'the entry counts once it is within the bound');
  assert.equal(b.getScale('p', 's'), 7);
  assert.ok(changes.some((e) => e.kind === 'scale' && e.project === 'p' && !e.local));
  a.setScale('p', 's', 3);
  sync(a, b);
  assert.equal(b.getScale('p', 's'), 3, 'a later write wins over it as over any other');
});

test('a clock past MAX_AT makes a write fail with StampRangeError, leaving the state as it was', () => {
  const time = { t: T0 };
  const a = new ClusterState({ nodeId: 'a', clock: () => time.t });
  a.putProject({ name: 'p', services: { s: {} } });
  a.setScale('p', 's', 2);
  time.t = MAX_AT + 1;
  assert.throws(
    () => a.setScale('p', 's', 3),
    (e: Error) => e.name === 'StampRangeError',
  );
  assert.equal(a.getScale('p', 's'), 2);
  assert.deepEqual(a.listProjects(), ['p']);
});
