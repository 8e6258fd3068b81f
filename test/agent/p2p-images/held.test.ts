/**
 * The advertised image list: bounded, tagged and newest first; another node's list is read
 * as hostile (bad entries dropped, never a throw); the holders of a name agree on one image
 * id; the leading layers an engine has are counted as a chain.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { NodeStatus } from '../../../crdt/index.js';
import {
  advertised,
  heldOf,
  holdersOf,
  layersHeld,
  MAX_HELD,
  MAX_LAYERS,
} from '../../../src/agent/p2p-images/held.js';

const d = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const status = (held: unknown): NodeStatus =>
  ({ containers: [], images: [], updatedAt: 1, held }) as NodeStatus;

test('the advertised list is bounded: tagged first, newest first, no image of too many layers', () => {
  const many = Array.from({ length: MAX_HELD + 20 }, (_, i) => ({
    id: d(i + 1),
    tags: i % 2 ? [`r/${i}:1`] : [],
    layers: [d(1000 + i)],
    created: i,
  }));
  many.push({
    id: d(9999),
    tags: ['big:1'],
    layers: Array.from({ length: MAX_LAYERS + 1 }, (_, i) => d(i)),
    created: 1e9,
  });
  const list = advertised(many);
  assert.equal(list.length, MAX_HELD);
  assert.ok(!list.some((h) => h.id === d(9999)));
  assert.equal(list[0]!.tags[0], `r/${MAX_HELD + 19}:1`);
  assert.ok(JSON.stringify(list).length < 40 * 1024, `${JSON.stringify(list).length} bytes`);
});

test("another node's list is read as hostile input", () => {
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      for (const h of heldOf(status(v))) assert.match(h.id, /^sha256:[0-9a-f]{64}$/);
    }),
  );
  const good = { id: d(1), tags: ['a:1'], layers: [d(2)] };
  assert.deepEqual(heldOf(status([good, { ...good, id: 'x' }, { ...good, layers: [] }, null, 7])), [good]);
});

test('holders agree on the image id most nodes hold for a name; the asker is not one', () => {
  const s = new Map<string, NodeStatus>([
    ['a', status([{ id: d(1), tags: ['web:1'], layers: [d(9)] }])],
    ['b', status([{ id: d(1), tags: ['web:1'], layers: [d(9)] }])],
    ['c', status([{ id: d(2), tags: ['web:1'], layers: [d(9)] }])],
    ['me', status([{ id: d(1), tags: ['web:1'], layers: [d(9)] }])],
    ['gone', status([{ id: d(1), tags: ['web:1'], layers: [d(9)] }])],
  ]);
  const h = holdersOf(s, 'me', 'web:1', (n) => n !== 'gone');
  assert.deepEqual(h.map((x) => x.node).sort(), ['a', 'b']);
  assert.deepEqual(
    holdersOf(s, 'me', 'busybox', () => true),
    [],
  );
  assert.equal(holdersOf(s, 'me', d(2), () => true)[0]?.node, 'c');
});

test('the layers an engine has count only as a leading chain', () => {
  const want = [d(1), d(2), d(3)];
  const img = (layers: string[]) => ({ id: d(7), tags: [], layers, created: 0 });
  assert.equal(layersHeld(want, []), 0);
  assert.equal(layersHeld(want, [img([d(1), d(2), d(5)])]), 2);
  assert.equal(layersHeld(want, [img([d(2), d(3)])]), 0);
  assert.equal(layersHeld(want, [img([d(1)]), img(want)]), 3);
});
