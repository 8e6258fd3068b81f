/**
 * A forged update that claims far more structs than its bytes hold is refused quickly
 * (crdt/update-check.ts); honest updates that compress many structs into few bytes still
 * apply. Regression for the wire fuzzer's find (test/fuzz/): a 92-byte update that kept
 * ClusterState.applyUpdate busy for 6 s.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as Y from 'yjs';
import { ClusterState } from '../../crdt/index.js';
import { checkUpdate, readBudget } from '../../crdt/update-check.js';

/** Found by wire-fuzz.test.ts (gossip target): two spliced updates, a column run left endless. */
const FORGED = Buffer.from(
  '00000599f6cf89090000012819167363616c652f31703136007765620066757a7a2d3136070f0101000066757a7a2d3237070f010100010101010076030261747b4278bcfe56800000046e6f6465770766757a7a2d3237016e7d0200',
  'hex',
);

test('an update claiming more structs than its size allows is an UpdateDecodeError, at once', () => {
  const state = new ClusterState({ nodeId: 'a', clock: () => 1 });
  const before = state.encodeUpdate();
  const t0 = performance.now();
  assert.throws(() => state.applyUpdate(new Uint8Array(FORGED), 'peer'), { name: 'UpdateDecodeError' });
  assert.throws(() => checkUpdate(new Uint8Array(FORGED)), {
    name: 'UpdateDecodeError',
    message: /more structs than its size allows/,
  });
  // Unbounded, this took seconds; bounded it reads at most readBudget(92) structs.
  assert.ok(performance.now() - t0 < 1500, `took ${performance.now() - t0} ms`);
  assert.deepEqual(state.encodeUpdate(), before);
});

test('honest updates with many structs per byte stay within the budget', () => {
  // A deleted array: Yjs's densest honest encoding (~110 structs a byte).
  const doc = new Y.Doc();
  const a = doc.getArray('a');
  for (let i = 0; i < 5000; i++) a.insert(0, [i]);
  a.delete(0, 5000);
  const deleted = Y.encodeStateAsUpdateV2(doc);
  assert.ok(Y.decodeUpdateV2(deleted).structs.length > 10 * deleted.length);
  checkUpdate(deleted);

  // The cluster state's registers, overwritten many times, through the real apply.
  const s = new ClusterState({ nodeId: 'a', clock: () => 1 });
  for (let i = 0; i < 3000; i++) s.setScale(`p${i % 7}`, 'web', i % 9);
  const other = new ClusterState({ nodeId: 'b', clock: () => 1 });
  other.applyUpdate(s.encodeUpdate(), 'peer');
  assert.deepEqual(other.encodeUpdate(), s.encodeUpdate());
  assert.ok(readBudget(10) < readBudget(1000));
});
