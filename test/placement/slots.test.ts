import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServiceSpec } from '../../src/compose/types.js';
import { place } from '../../src/placement/place.js';
import { globalReplicas, placementSlot, toPlacementSlots, weightOf } from '../../src/placement/slots.js';
import type { PlacementMember } from '../../src/placement/types.js';

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

test('host resources: a fixed port allows one replica per node; bind mounts and named volumes pin to the origin', () => {
  const port = svc({ ports: [{ mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' }] });
  assert.deepEqual(placementSlot(ref, port), {
    ...ref,
    maxPerNode: 1,
    maxPerNodeWhy: 'it publishes a fixed host port',
  });
  assert.equal(
    placementSlot(ref, svc({ ports: [{ mode: 'ingress', target: 80, protocol: 'tcp' }] })).maxPerNode,
    undefined,
  );
  const bind = svc({
    volumes: [{ type: 'bind', source: '/srv/data', target: '/data' }],
  } as Partial<ServiceSpec>);
  const pinned = placementSlot(ref, bind, 'node-a');
  assert.deepEqual(pinned.constraints, ['node.id==node-a']);
  assert.match(pinned.pinned!.reason, /bind mount of \/srv\/data/);
  const vol = svc({
    volumes: [{ type: 'volume', source: 'db', target: '/var/lib/db' }],
  } as Partial<ServiceSpec>);
  assert.equal(placementSlot(ref, vol, 'node-a').pinned?.node, 'node-a');
  const movable = { ...vol, 'x-fizz': { move_volumes: true } } as ServiceSpec;
  assert.equal(placementSlot(ref, movable, 'node-a').pinned, undefined);
  // Pinned to a node that is not alive: pending, with the reason.
  const { unplaced } = place(
    [placementSlot(ref, bind, 'node-a')],
    [
      { id: 'node-a', name: 'a', status: 'dead', labels: {} },
      { id: 'node-b', name: 'b', status: 'alive', labels: {} },
    ],
  );
  assert.match(unplaced[0]!.reason, /pinned to node node-a \(bind mount of \/srv\/data\)/);
});

test('deploy.mode global: one replica per eligible member that satisfies the constraints', () => {
  const members: PlacementMember[] = [
    { id: 'a', name: 'a', status: 'alive' as const, labels: { disk: 'ssd' } },
    { id: 'b', name: 'b', status: 'alive' as const, labels: {} },
    { id: 'c', name: 'c', status: 'dead' as const, labels: { disk: 'ssd' } },
    { id: 'd', name: 'd', status: 'suspect' as const, labels: { disk: 'ssd' } },
  ];
  const g = svc({ deploy: { mode: 'global' } } as Partial<ServiceSpec>);
  assert.equal(globalReplicas(g, members), 3);
  const ssd = svc({
    deploy: { mode: 'global', placement: { constraints: ['node.labels.disk==ssd'] } },
  } as Partial<ServiceSpec>);
  assert.equal(globalReplicas(ssd, members), 2);
  const slots = toPlacementSlots([0, 1].map((replica) => ({ slot: { ...ref, replica }, spec: ssd })));
  const { assignment } = place(slots, members);
  assert.deepEqual([...assignment.values()].sort(), ['a', 'd']);
});

test('deploy.resources.reservations: a replica goes only where its reservation is free, else pending with why', () => {
  const spec = svc({
    deploy: { resources: { reservations: { cpus: 2, memory: 2 ** 30 } } },
  } as Partial<ServiceSpec>);
  const members: PlacementMember[] = [
    { id: 'small', name: 'small', status: 'alive', labels: {}, resources: { cpus: 1, memory: 8 * 2 ** 30 } },
    { id: 'big', name: 'big', status: 'alive', labels: {}, resources: { cpus: 5, memory: 8 * 2 ** 30 } },
  ];
  const slots = toPlacementSlots([0, 1, 2].map((replica) => ({ slot: { ...ref, replica }, spec })));
  assert.deepEqual(slots[0]!.reserve, { cpus: 2, memory: 2 ** 30 });
  const { assignment, unplaced } = place(slots, members);
  assert.deepEqual([...assignment.values()], ['big', 'big'], 'two replicas of 2 CPUs fit in 5, none in 1');
  assert.equal(unplaced.length, 1);
  assert.match(unplaced[0]!.reason, /no member has its reservations free \(2 CPUs, 1024 MiB\)/);
  // A node that advertises nothing is not limited.
  const { assignment: free } = place(slots, [{ id: 'x', name: 'x', status: 'alive', labels: {} }]);
  assert.equal(free.size, 3);
});
