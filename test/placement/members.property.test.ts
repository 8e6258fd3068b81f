/**
 * Properties of placement as membership changes (fast-check): a member dies, comes back,
 * is suspected, is reaped, or joins. fast-check prints the seed of any failing run; the
 * statistical ones run with a fixed seed, so they replay.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { diffAssignments } from '../../src/placement/diff.js';
import { DEFAULT_LOAD_FACTOR, isEligible, place, placeHomes, placeOver } from '../../src/placement/place.js';
import type { MemberStatus, PlacementMember, PlacementSlot } from '../../src/placement/types.js';

const CONSTRAINTS = [['node.labels.disk==ssd'], ['node.name!=a'], ['node.labels.zone==x']];

function matches(m: PlacementMember, constraints: string[] | undefined): boolean {
  return (constraints ?? []).every((c) =>
    c === 'node.labels.disk==ssd'
      ? m.labels.disk === 'ssd'
      : c === 'node.labels.zone==x'
        ? m.labels.zone === 'x'
        : m.name !== 'a',
  );
}

/** Members with distinct ids, in any status. */
function membersArb(statuses: MemberStatus[], min = 1, max = 12): fc.Arbitrary<PlacementMember[]> {
  return fc.uniqueArray(
    fc.record({
      id: fc.string({ minLength: 1, maxLength: 4 }),
      name: fc.constantFrom('a', 'b', 'c', 'd'),
      status: fc.constantFrom(...statuses),
      labels: fc.dictionary(fc.constantFrom('disk', 'zone'), fc.constantFrom('ssd', 'hdd', 'x')),
      capacity: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
    }) as fc.Arbitrary<PlacementMember>,
    { minLength: min, maxLength: max, selector: (m) => m.id },
  );
}

/** Services of 1–6 replicas, each with one setting for all its replicas (as one spec gives). */
const slotsArb: fc.Arbitrary<PlacementSlot[]> = fc
  .array(
    fc.record({
      replicas: fc.integer({ min: 1, max: 6 }),
      constraints: fc.option(fc.constantFrom(...CONSTRAINTS), { nil: undefined }),
      maxPerNode: fc.option(fc.integer({ min: 1, max: 2 }), { nil: undefined }),
    }),
    { maxLength: 25 },
  )
  .map((services) =>
    services.flatMap((s, i) =>
      Array.from({ length: s.replicas }, (_, r) => {
        const out: PlacementSlot = { project: 'p', service: `s${i}`, replica: r };
        if (s.constraints) out.constraints = s.constraints;
        if (s.maxPerNode !== undefined) out.maxPerNode = s.maxPerNode;
        return out;
      }),
    ),
  );

function withStatus(ms: PlacementMember[], ids: Set<string>, status: MemberStatus): PlacementMember[] {
  return ms.map((m) => (ids.has(m.id) ? { ...m, status } : m));
}

function reversed<T>(xs: T[]): T[] {
  return [...xs].reverse();
}

function rotated<T>(xs: T[], by: number): T[] {
  const k = xs.length === 0 ? 0 : by % xs.length;
  return [...xs.slice(k), ...xs.slice(0, k)];
}

function sorted(m: Map<string, string>): Array<[string, string]> {
  return [...m].sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

test('deterministic over members in every status: any order of slots and members, one or two passes', () => {
  fc.assert(
    fc.property(
      slotsArb,
      membersArb(['alive', 'alive', 'suspect', 'dead', 'left'], 0),
      fc.nat(),
      (ss, ms, k) => {
        const a = place(ss, ms);
        const b = place(rotated(reversed(ss), k), rotated(ms, k + 1));
        assert.deepEqual(sorted(b.assignment), sorted(a.assignment));
        assert.deepEqual(
          [...b.unplaced].sort((x, y) => (x.slot < y.slot ? -1 : 1)),
          [...a.unplaced].sort((x, y) => (x.slot < y.slot ? -1 : 1)),
        );
        // The homes of one order serve the members in another.
        assert.deepEqual(
          sorted(placeOver(placeHomes(ss, ms), reversed(ms)).assignment),
          sorted(a.assignment),
        );
      },
    ),
    { numRuns: 300 },
  );
});

test('a death moves exactly the dead member’s slots (constraints, max_replicas_per_node, capacities, bounds on)', () => {
  fc.assert(
    fc.property(slotsArb, membersArb(['alive', 'alive', 'suspect'], 2), fc.nat(), (ss, ms, pick) => {
      const dead = ms[pick % ms.length]!.id;
      const before = place(ss, ms);
      const after = place(ss, withStatus(ms, new Set([dead]), 'dead'));
      const moved = diffAssignments(before.assignment, after.assignment);
      const onDead = [...before.assignment].filter(([, n]) => n === dead).map(([s]) => s);
      assert.deepEqual(
        moved.map((m) => m.slot),
        onDead.sort(),
      );
      for (const m of moved) assert.notEqual(m.to, dead);
    }),
    { numRuns: 400 },
  );
});

test('with members already dead or gone, a death moves only slots whose home is not live', () => {
  fc.assert(
    fc.property(
      slotsArb,
      membersArb(['alive', 'alive', 'suspect', 'dead', 'left'], 2),
      fc.nat(),
      (ss, ms, pick) => {
        const live = ms.filter(isEligible);
        fc.pre(live.length > 0);
        const dead = live[pick % live.length]!.id;
        const homes = placeHomes(ss, ms);
        const homeOf = new Map(homes.keys.map((k, i) => [k, homes.listed[homes.home[i]!]]));
        const before = placeOver(homes, ms);
        const after = place(ss, withStatus(ms, new Set([dead]), 'dead'));
        for (const m of diffAssignments(before.assignment, after.assignment)) {
          const home = homeOf.get(m.slot);
          assert.ok(
            m.from === dead || home === undefined || home.id === dead || !isEligible(home),
            `${m.slot} moved ${m.from} → ${m.to} though its home ${home?.id} is live`,
          );
        }
      },
    ),
    { numRuns: 400 },
  );
});

test('a member that comes back before it is reaped takes back its slots; nothing homed on a live member moves', () => {
  fc.assert(
    fc.property(slotsArb, membersArb(['alive', 'suspect', 'dead', 'left'], 1), fc.nat(), (ss, ms, pick) => {
      const x = ms[pick % ms.length]!.id;
      const down = withStatus(ms, new Set([x]), 'dead');
      const up = withStatus(ms, new Set([x]), 'alive');
      const homes = placeHomes(ss, up);
      const homeOf = new Map(homes.keys.map((k, i) => [k, homes.listed[homes.home[i]!]]));
      const back = place(ss, up);
      for (const m of diffAssignments(place(ss, down).assignment, back.assignment)) {
        const home = homeOf.get(m.slot);
        assert.ok(
          m.to === x || home === undefined || !isEligible(home),
          `${m.slot} moved ${m.from} → ${m.to} though its home ${home?.id} is live`,
        );
      }
      homes.keys.forEach((k, i) => {
        if (homes.listed[homes.home[i]!]?.id === x)
          assert.equal(back.assignment.get(k), x, `${k} not back on ${x}`);
      });
    }),
    { numRuns: 300 },
  );
});

test('suspects keep their slots: suspecting any set of members moves nothing', () => {
  fc.assert(
    fc.property(
      slotsArb,
      membersArb(['alive', 'alive', 'dead', 'left'], 1),
      fc.array(fc.nat(), { maxLength: 6 }),
      (ss, ms, picks) => {
        const suspects = new Set(picks.map((p) => ms[p % ms.length]!.id));
        const alive = ms.filter((m) => m.status === 'alive' && suspects.has(m.id)).map((m) => m.id);
        const after = place(ss, withStatus(ms, new Set(alive), 'suspect'));
        assert.deepEqual(sorted(after.assignment), sorted(place(ss, ms).assignment));
      },
    ),
    { numRuns: 300 },
  );
});

test('constraints and max_replicas_per_node are hard over any statuses; an unplaced slot had no room', () => {
  fc.assert(
    fc.property(slotsArb, membersArb(['alive', 'suspect', 'dead', 'left'], 0), (ss, ms) => {
      const r = place(ss, ms);
      const byId = new Map(ms.map((m) => [m.id, m]));
      const spec = new Map(ss.map((s) => [`${s.project}/${s.service}/${s.replica}`, s]));
      const count = new Map<string, number>();
      for (const [slot, node] of r.assignment) {
        const s = spec.get(slot)!;
        const m = byId.get(node)!;
        assert.ok(isEligible(m), `${slot} on ${node}, which is ${m.status}`);
        assert.ok(matches(m, s.constraints), `${slot} on ${node} breaks ${s.constraints}`);
        const k = `${node} ${s.service}`;
        count.set(k, (count.get(k) ?? 0) + 1);
        assert.ok(
          count.get(k)! <= (s.maxPerNode ?? Number.POSITIVE_INFINITY),
          `${k} over max_replicas_per_node`,
        );
      }
      assert.equal(r.assignment.size + r.unplaced.length, spec.size);
      for (const u of r.unplaced) {
        const s = spec.get(u.slot)!;
        const room = ms.filter(
          (m) =>
            isEligible(m) &&
            matches(m, s.constraints) &&
            (count.get(`${m.id} ${s.service}`) ?? 0) < (s.maxPerNode ?? Number.POSITIVE_INFINITY),
        );
        assert.deepEqual(
          room.map((m) => m.id),
          [],
          `${u.slot} unplaced (${u.reason}) though members had room`,
        );
      }
    }),
    { numRuns: 400 },
  );
});

test('loads stay within ⌈c · W · capacity / C⌉, C the capacity of the live members, whoever is dead', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 300 }),
      fc.integer({ min: 1, max: 5 }),
      membersArb(['alive', 'alive', 'suspect', 'dead', 'left'], 1, 20),
      (services, maxReplicas, ms) => {
        const live = ms.filter(isEligible);
        fc.pre(live.length > 0);
        const ss: PlacementSlot[] = [];
        for (let s = 0; s < services; s++)
          for (let r = 0; r <= s % maxReplicas; r++) ss.push({ project: 'p', service: `s${s}`, replica: r });
        const total = live.reduce((a, m) => a + (m.capacity ?? 1), 0);
        const load = new Map<string, number>();
        for (const v of place(ss, ms).assignment.values()) load.set(v, (load.get(v) ?? 0) + 1);
        for (const m of live) {
          const bound = Math.ceil((DEFAULT_LOAD_FACTOR * ss.length * (m.capacity ?? 1)) / total);
          assert.ok(
            (load.get(m.id) ?? 0) <= bound,
            `${m.id} cap ${m.capacity}: ${load.get(m.id)} > ${bound}`,
          );
        }
      },
    ),
    { numRuns: 300 },
  );
});

function uniformMembers(n: number): PlacementMember[] {
  return Array.from({ length: n }, (_, i) => ({ id: `n${i}`, name: `n${i}`, status: 'alive', labels: {} }));
}

/** Services of 1..maxReplicas replicas, cycling, `total` slots in all (the benchmark's shape). */
function cyclingSlots(total: number, maxReplicas: number): PlacementSlot[] {
  const out: PlacementSlot[] = [];
  for (let s = 0; out.length < total; s++)
    for (let r = 0; r <= s % maxReplicas && out.length < total; r++)
      out.push({ project: 'p', service: `s${s}`, replica: r });
  return out;
}

/**
 * Joins. Proven: the joiner takes at most ⌈c·W/(N+1)⌉ slots (its bound). Measured, not
 * proven: the slots that shift between old members as well. Over 600 random clusters
 * (N 10–120, 5–30 slots per node, services of 1–5 replicas) the moved share divided by
 * the ideal 1/(N+1) was p50 1.21, p90 1.72, p99 2.63, max 3.77; the worst are joins that
 * lower the bound ⌈c·W/N⌉ by one, so every member at the old bound sheds a slot. The test
 * holds each join to 4× the ideal and the median to 1.4×.
 */
test('a join moves at most 4/(N+1) of the slots, about 1.2/(N+1) typically; the joiner takes at most its bound', () => {
  const ratios: number[] = [];
  fc.assert(
    fc.property(
      fc.integer({ min: 10, max: 120 }),
      fc.integer({ min: 5, max: 30 }),
      fc.integer({ min: 1, max: 5 }),
      (n, perNode, maxReplicas) => {
        const ms = uniformMembers(n);
        const ss = cyclingSlots(n * perNode, maxReplicas);
        const joiner: PlacementMember = { id: 'joiner', name: 'joiner', status: 'alive', labels: {} };
        const moved = diffAssignments(place(ss, ms).assignment, place(ss, [...ms, joiner]).assignment);
        const ideal = ss.length / (n + 1);
        const taken = moved.filter((m) => m.to === 'joiner').length;
        assert.ok(taken <= Math.ceil((DEFAULT_LOAD_FACTOR * ss.length) / (n + 1)), `joiner took ${taken}`);
        assert.ok(moved.length <= 4 * ideal, `moved ${moved.length}, ideal ${ideal.toFixed(1)} (N=${n})`);
        ratios.push(moved.length / ideal);
      },
    ),
    { numRuns: 150, seed: 20261207 },
  );
  ratios.sort((a, b) => a - b);
  const median = ratios[Math.floor(ratios.length / 2)]!;
  assert.ok(median <= 1.4, `median moved/ideal ${median.toFixed(2)}`);
});

test('reaping a dead member moves slots only between live members and loses none', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 60 }),
      fc.integer({ min: 1, max: 20 }),
      fc.nat(),
      (n, perNode, pick) => {
        const ms = uniformMembers(n);
        const ss = cyclingSlots(n * perNode, 3);
        const dead = ms[pick % n]!.id;
        const before = place(ss, withStatus(ms, new Set([dead]), 'dead'));
        const after = place(
          ss,
          ms.filter((m) => m.id !== dead),
        );
        for (const m of diffAssignments(before.assignment, after.assignment))
          assert.ok(m.from !== undefined && m.to !== undefined && m.from !== dead && m.to !== dead);
        assert.equal(after.assignment.size, ss.length);
      },
    ),
    { numRuns: 100 },
  );
});

test('placeOver refuses members that differ beyond their status', () => {
  const ms = uniformMembers(3);
  const homes = placeHomes(cyclingSlots(10, 2), ms);
  assert.throws(() => placeOver(homes, ms.slice(1)), { name: 'StaleHomesError' });
  assert.throws(() => placeOver(homes, [...ms.slice(1), { ...ms[0]!, labels: { a: 'b' } }]), {
    name: 'StaleHomesError',
  });
  assert.doesNotThrow(() => placeOver(homes, withStatus(ms, new Set(['n0']), 'left')));
});

test('diffAssignments lists moved, lost and gained slots, sorted', () => {
  const a = new Map([
    ['s/2', 'x'],
    ['s/1', 'x'],
    ['s/3', 'y'],
  ]);
  const b = new Map([
    ['s/1', 'x'],
    ['s/2', 'y'],
    ['s/4', 'z'],
  ]);
  assert.deepEqual(diffAssignments(a, b), [
    { slot: 's/2', from: 'x', to: 'y' },
    { slot: 's/3', from: 'y', to: undefined },
    { slot: 's/4', from: undefined, to: 'z' },
  ]);
});
