/** Properties of the planner over random owned slots and random container sets. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { keyOf, LABEL } from '../../src/reconcile/labels.js';
import { plan } from '../../src/reconcile/plan.js';
import type { DesiredSlot, PlanInput } from '../../src/reconcile/types.js';
import type { ContainerInfo, ContainerState, HealthState } from '../../src/runtime/types.js';
import { apply, container, desired, service } from './fixtures.js';

const MANAGED = ['p', 'q'];
const ALL_PROJECTS = ['p', 'q', 'other'];
const SERVICES = ['a', 'b', 'c'];
const STATES: ContainerState[] = ['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead'];
const HEALTHS: HealthState[] = ['none', 'starting', 'healthy', 'unhealthy'];
const RESTARTS = [undefined, 'no', 'always', 'on-failure', 'unless-stopped'] as const;

const slotArb = fc.record({
  project: fc.constantFrom(...MANAGED),
  service: fc.constantFrom(...SERVICES),
  replica: fc.integer({ min: 0, max: 3 }),
});

const ownedArb = fc.array(
  fc.record({
    slot: slotArb,
    hash: fc.constantFrom('h1', 'h2'),
    running: fc.boolean(),
    restart: fc.constantFrom(...RESTARTS),
  }),
  { maxLength: 12 },
);

const actualArb = fc.array(
  fc.record({
    project: fc.constantFrom(...ALL_PROJECTS),
    service: fc.constantFrom(...SERVICES),
    replica: fc.integer({ min: 0, max: 4 }),
    hash: fc.constantFrom('h1', 'h2', 'h3'),
    state: fc.constantFrom(...STATES),
    health: fc.constantFrom(...HEALTHS),
    createdAt: fc.integer({ min: 0, max: 5 }),
  }),
  { maxLength: 16 },
);

const inputArb = fc
  .record({ owned: ownedArb, actual: actualArb, allowAll: fc.boolean() })
  .map(({ owned, actual, allowAll }): PlanInput => {
    // One definition per slot and service, as toDesiredSlots gives: the same service has
    // one spec and one hash everywhere.
    const perService = new Map<
      string,
      { hash: string; running: boolean; restart: (typeof RESTARTS)[number] }
    >();
    for (const o of owned) {
      const k = `${o.slot.project}/${o.slot.service}`;
      if (!perService.has(k)) perService.set(k, o);
    }
    const slots: DesiredSlot[] = owned.map((o) => {
      const s = perService.get(`${o.slot.project}/${o.slot.service}`)!;
      const spec = service(s.restart ? { restart: s.restart } : {});
      return desired(o.slot.project, o.slot.service, o.slot.replica, s.hash, s.running, spec);
    });
    const containers: ContainerInfo[] = actual.map((c, i) =>
      container(`c${i}`, c.project, c.service, c.replica, c.hash, {
        state: c.state,
        health: c.health,
        createdAt: c.createdAt,
      }),
    );
    const restartAllowed = allowAll ? new Set(slots.map((d) => keyOf(d.slot))) : new Set<string>();
    return { owned: slots, actual: containers, projects: new Set(MANAGED), restartAllowed };
  });

const RUNS = { numRuns: 400 };

test('plan is idempotent: after applying it, planning again gives nothing', () => {
  fc.assert(
    fc.property(inputArb, (input) => {
      const after = apply(input.actual, plan(input));
      // Containers restarted for ill health come back as `starting`, not unhealthy.
      const again = plan({ ...input, actual: after });
      assert.deepEqual(
        again.map((a) => `${a.kind} ${a.reason}`),
        [],
      );
    }),
    RUNS,
  );
});

test('after applying a plan, every owned slot has exactly one container and no other slot has one', () => {
  fc.assert(
    fc.property(inputArb, (input) => {
      const after = apply(input.actual, plan(input));
      const owned = new Set(input.owned.map((d) => keyOf(d.slot)));
      const removing = new Set(
        after
          .filter((c) => c.state === 'removing')
          .map((c) => `${c.labels[LABEL.project]}/${c.labels[LABEL.service]}/${c.labels[LABEL.slot]}`),
      );
      const count = new Map<string, number>();
      for (const c of after) {
        const project = c.labels[LABEL.project]!;
        if (!MANAGED.includes(project) || c.state === 'removing') continue;
        const key = `${project}/${c.labels[LABEL.service]}/${c.labels[LABEL.slot]}`;
        count.set(key, (count.get(key) ?? 0) + 1);
      }
      for (const [key, n] of count) {
        assert.ok(owned.has(key), `container of unowned slot ${key} survived`);
        assert.equal(n, 1, `slot ${key} has ${n} containers`);
      }
      for (const key of owned)
        assert.ok(count.has(key) || removing.has(key), `owned slot ${key} has no container`);
    }),
    RUNS,
  );
});

test('containers of unmanaged projects are never touched', () => {
  fc.assert(
    fc.property(inputArb, (input) => {
      for (const a of plan(input)) {
        const c = 'container' in a ? a.container : undefined;
        if (c)
          assert.ok(MANAGED.includes(c.labels[LABEL.project]!), `${a.kind} on ${c.labels[LABEL.project]}`);
        if (a.kind !== 'remove') assert.ok(MANAGED.includes(a.slot.slot.project));
      }
    }),
    RUNS,
  );
});

test('every container named by an action exists, and none is named twice', () => {
  fc.assert(
    fc.property(inputArb, (input) => {
      const ids = new Set(input.actual.map((c) => c.id));
      const seen = new Set<string>();
      for (const a of plan(input)) {
        if (a.kind === 'create') continue;
        assert.ok(ids.has(a.container.id));
        assert.ok(!seen.has(a.container.id), `${a.container.id} named twice`);
        seen.add(a.container.id);
      }
    }),
    RUNS,
  );
});

test('the plan does not depend on the order of its inputs', () => {
  fc.assert(
    fc.property(inputArb, fc.integer(), (input, seed) => {
      const shuffle = <T>(xs: T[]) => {
        const out = [...xs];
        let s = seed >>> 0;
        for (let i = out.length - 1; i > 0; i--) {
          s = (Math.imul(s, 1103515245) + 12345) >>> 0;
          const j = s % (i + 1);
          [out[i], out[j]] = [out[j]!, out[i]!];
        }
        return out;
      };
      // Owned duplicates are identical by construction, so which copy wins does not matter.
      const a = plan(input);
      const b = plan({ ...input, owned: shuffle(input.owned), actual: shuffle(input.actual) });
      const brief = (xs: typeof a) =>
        xs.map((x) => `${x.kind}:${'container' in x ? x.container.id : keyOf(x.slot.slot)}`);
      assert.deepEqual(brief(b), brief(a));
    }),
    RUNS,
  );
});
