import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConstraint, satisfies } from '../../src/placement/constraints.js';
import { ownedSlots, place } from '../../src/placement/place.js';
import type { PlacementMember, PlacementSlot } from '../../src/placement/types.js';

export function members(n: number, over: Partial<PlacementMember> = {}): PlacementMember[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `node-${String(i).padStart(3, '0')}`,
    name: `host${i}`,
    status: 'alive' as const,
    labels: {},
    ...over,
  }));
}

export function slots(
  services: number,
  replicas: number,
  over: Partial<PlacementSlot> = {},
  project = 'p',
): PlacementSlot[] {
  const out: PlacementSlot[] = [];
  for (let s = 0; s < services; s++)
    for (let r = 0; r < replicas; r++) out.push({ project, service: `svc${s}`, replica: r, ...over });
  return out;
}

function loads(assignment: Map<string, string>): Map<string, number> {
  const out = new Map<string, number>();
  for (const node of assignment.values()) out.set(node, (out.get(node) ?? 0) + 1);
  return out;
}

describe('constraints', () => {
  const m: PlacementMember = {
    id: 'abc',
    name: 'edge-1',
    status: 'alive',
    labels: { disk: 'ssd', zone: 'b' },
  };
  const cases: Array<[string, boolean]> = [
    ['node.name==edge-1', true],
    ['node.name!=edge-1', false],
    ['node.hostname == edge-1', true],
    ['node.id==abc', true],
    ['node.id!=xyz', true],
    ['node.labels.disk==ssd', true],
    ['node.labels.disk==hdd', false],
    ['node.labels.gpu!=yes', true],
    ['node.labels.gpu==yes', false],
    ['engine.labels.zone==b', true],
    ['node.role==manager', true],
    ['node.role==worker', false],
    ['node.platform.os==linux', true],
  ];
  for (const [text, want] of cases)
    test(text, () => assert.equal(satisfies(m, [parseConstraint(text)]), want));

  test('unreadable constraints are refused', () => {
    for (const bad of ['node.name=edge', 'node.colour==red', '==x', 'node.name==', 'node.labels.==x', ''])
      assert.throws(() => parseConstraint(bad), { name: 'ConstraintSyntaxError' }, bad);
  });

  test('a label named like an Object.prototype key is absent unless set', () => {
    assert.equal(satisfies(m, [parseConstraint('node.labels.constructor==x')]), false);
    assert.equal(satisfies(m, [parseConstraint('node.labels.toString!=x')]), true);
  });
});

describe('place', () => {
  test('no eligible member: every slot unplaced with a reason', () => {
    const r = place(slots(2, 1), [
      ...members(2, { status: 'dead' }),
      ...members(1, { status: 'left', id: 'z' }),
    ]);
    assert.equal(r.assignment.size, 0);
    assert.deepEqual(
      r.unplaced.map((u) => u.slot),
      ['p/svc0/0', 'p/svc1/0'],
    );
    assert.match(r.unplaced[0]!.reason, /no alive member/);
  });

  test('dead, left and zero-capacity members get nothing; suspects do', () => {
    const ms = [
      { id: 'a', name: 'a', status: 'dead' as const, labels: {} },
      { id: 'b', name: 'b', status: 'left' as const, labels: {} },
      { id: 'c', name: 'c', status: 'suspect' as const, labels: {} },
      { id: 'd', name: 'd', status: 'alive' as const, labels: {}, capacity: 0 },
    ];
    const r = place(slots(20, 1), ms);
    assert.deepEqual(new Set(r.assignment.values()), new Set(['c']));
    assert.equal(r.unplaced.length, 0);
  });

  test('a service’s replicas go to distinct nodes when there are enough', () => {
    const r = place(slots(50, 4), members(5));
    for (let s = 0; s < 50; s++) {
      const nodes = [0, 1, 2, 3].map((i) => r.assignment.get(`p/svc${s}/${i}`));
      assert.equal(new Set(nodes).size, 4, `svc${s}: ${nodes.join(',')}`);
    }
  });

  test('with more replicas than nodes, replicas spread evenly', () => {
    const r = place(slots(1, 7), members(3));
    assert.deepEqual([...loads(r.assignment).values()].sort(), [2, 2, 3]);
  });

  test('constraints pick the nodes; none matching leaves the slot unplaced with the reason', () => {
    const ms = members(6).map((m, i): PlacementMember => ({ ...m, labels: i < 2 ? { disk: 'ssd' } : {} }));
    const r = place(
      [
        ...slots(1, 4, { constraints: ['node.labels.disk==ssd'] }, 'a'),
        ...slots(1, 1, { constraints: ['node.name==host5'] }, 'b'),
        ...slots(1, 1, { constraints: ['node.labels.gpu==yes'] }, 'c'),
        ...slots(1, 1, { constraints: ['node.bogus==1'] }, 'd'),
      ],
      ms,
    );
    for (let i = 0; i < 4; i++)
      assert.ok(['node-000', 'node-001'].includes(r.assignment.get(`a/svc0/${i}`)!));
    assert.equal(r.assignment.get('b/svc0/0'), 'node-005');
    assert.deepEqual(
      r.unplaced.map((u) => u.slot),
      ['c/svc0/0', 'd/svc0/0'],
    );
    assert.match(r.unplaced[0]!.reason, /node\.labels\.gpu==yes/);
    assert.match(r.unplaced[1]!.reason, /invalid placement constraint 'node\.bogus==1'/);
  });

  test('max_replicas_per_node is hard: the surplus stays unplaced', () => {
    const r = place(slots(1, 5, { maxPerNode: 2 }), members(2));
    assert.equal(r.assignment.size, 4);
    assert.deepEqual([...loads(r.assignment).values()], [2, 2]);
    assert.equal(r.unplaced.length, 1);
    assert.match(r.unplaced[0]!.reason, /max_replicas_per_node=2/);
  });

  test('constraints are hard even when it overloads a node', () => {
    const r = place(slots(30, 1, { constraints: ['node.name==host0'] }), members(3));
    assert.equal(loads(r.assignment).get('node-000'), 30);
  });

  test('capacity weights the share: a node of capacity 3 takes about three times the slots', () => {
    const ms = [...members(3), { id: 'big', name: 'big', status: 'alive' as const, labels: {}, capacity: 3 }];
    const l = loads(place(slots(3000, 1), ms).assignment);
    const big = l.get('big')!;
    assert.ok(big > 1300 && big < 1700, `big took ${big} of 3000 (expected ~1500)`);
  });

  test('slot weight counts toward the load bound', () => {
    // Two nodes, total weight 20: bound ⌈1.25·10⌉ = 13 each. The heavy slot (weight 10)
    // plus more than 3 unit slots would break it, so the other node takes the rest.
    const heavy: PlacementSlot = { project: 'p', service: 'heavy', replica: 0, weight: 10 };
    const r = place([heavy, ...slots(10, 1)], members(2));
    const heavyNode = r.assignment.get('p/heavy/0')!;
    const units = [...r.assignment].filter(([k, v]) => k !== 'p/heavy/0' && v === heavyNode).length;
    assert.ok(10 + units <= 13, `heavy node load ${10 + units}`);
  });

  test('duplicate slots count once; duplicate members keep one entry whatever the order', () => {
    const twice = [...slots(3, 1), ...slots(3, 1)];
    assert.equal(place(twice, members(2)).assignment.size, 3);
    const a: PlacementMember = { id: 'x', name: 'x', status: 'alive', labels: {} };
    const b: PlacementMember = { id: 'x', name: 'x', status: 'dead', labels: {} };
    assert.deepEqual([...place(slots(3, 1), [a, b]).assignment], [...place(slots(3, 1), [b, a]).assignment]);
  });

  test('ownedSlots lists a node’s slot keys, sorted', () => {
    const r = place(slots(10, 1), members(3));
    const all = members(3).flatMap((m) => ownedSlots(r, m.id));
    assert.deepEqual(all.sort(), [...r.assignment.keys()].sort());
    const one = ownedSlots(r, 'node-001');
    assert.deepEqual(one, [...one].sort());
    assert.deepEqual(ownedSlots(r, 'nobody'), []);
  });

  test('a load factor below 1 is taken as the default', () => {
    assert.deepEqual(
      [...place(slots(40, 1), members(4), { loadFactor: 0.5 }).assignment],
      [...place(slots(40, 1), members(4)).assignment],
    );
  });
});
