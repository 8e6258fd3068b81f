import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServiceSpec } from '../../src/compose/types.js';
import { place } from '../../src/placement/place.js';
import { placementSlot, toPlacementSlots, weightOf } from '../../src/placement/slots.js';

function svc(over: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    image: 'img',
    environment: {},
    labels: {},
    ports: [],
    volumes: [],
    networks: {},
    depends_on: {},
    ...over,
  };
}

const ref = { project: 'p', service: 'web', replica: 1 };

test('a plain service gives a plain slot', () => {
  assert.deepEqual(placementSlot(ref, svc()), ref);
});

test('deploy.placement and x-fizz.weight are carried over', () => {
  const spec = svc({
    deploy: { placement: { constraints: ['node.labels.disk==ssd'], max_replicas_per_node: 2 } },
    'x-fizz': { weight: 3 },
  });
  assert.deepEqual(placementSlot(ref, spec), {
    ...ref,
    constraints: ['node.labels.disk==ssd'],
    maxPerNode: 2,
    weight: 3,
  });
});

test('nonsense weights and limits are ignored', () => {
  for (const x of [null, 'heavy', [1], { weight: -1 }, { weight: 'x' }, { weight: 0 }])
    assert.equal(weightOf(svc({ 'x-fizz': x })), undefined, JSON.stringify(x));
  assert.deepEqual(
    placementSlot(ref, svc({ deploy: { placement: { max_replicas_per_node: 0, constraints: [] } } })),
    ref,
  );
});

test('toPlacementSlots feeds place()', () => {
  const spec = svc({ deploy: { placement: { constraints: ['node.name==b'] } } });
  const slots = toPlacementSlots(
    [0, 1].map((replica) => ({ slot: { project: 'p', service: 'web', replica }, spec })),
  );
  const r = place(slots, [
    { id: 'a', name: 'a', status: 'alive', labels: {} },
    { id: 'b', name: 'b', status: 'alive', labels: {} },
  ]);
  assert.deepEqual([...r.assignment.values()], ['b', 'b']);
});
