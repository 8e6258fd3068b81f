/** Property tests (fast-check) of the last-writer-wins rules: deletions and concurrent scale changes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ClusterState } from '../../crdt/index.js';
import { act, Model, type Op, PROJECTS, SERVICES, syncPair, view } from './sim.js';

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('put' as const),
    project: fc.constantFrom(...PROJECTS),
    version: fc.nat(99),
  }),
  fc.record({ kind: fc.constant('remove' as const), project: fc.constantFrom(...PROJECTS) }),
  fc.record({
    kind: fc.constant('scale' as const),
    project: fc.constantFrom(...PROJECTS),
    service: fc.constantFrom(...SERVICES),
    n: fc.nat(9),
  }),
  fc.record({
    kind: fc.constant('stop' as const),
    project: fc.constantFrom(...PROJECTS),
    service: fc.constantFrom(...SERVICES),
    stopped: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('status' as const), images: fc.nat(4) }),
  fc.record({ kind: fc.constant('unstatus' as const), node: fc.constantFrom('a', 'b', 'c') }),
);

type Step = { op: Op; replica: number; dt: number } | { sync: [number, number] };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: opArb, replica: fc.nat(2), dt: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ sync: fc.tuple(fc.nat(2), fc.nat(2)) }) },
);

function run(steps: Step[], skews: number[]) {
  const time = { t: 1000 };
  const nodes = ['a', 'b', 'c'];
  const states = nodes.map((nodeId, i) => new ClusterState({ nodeId, clock: () => time.t + skews[i]! }));
  const model = new Model();
  const updates: Uint8Array[] = [];
  for (const s of states) s.onLocalUpdate((u) => updates.push(u));
  for (const step of steps) {
    if ('sync' in step) {
      if (step.sync[0] !== step.sync[1]) syncPair(states[step.sync[0]]!, states[step.sync[1]]!);
    } else {
      time.t += step.dt;
      act(states[step.replica]!, step.op, model);
    }
  }
  for (let k = 0; k < 2; k++) for (let i = 1; i < 3; i++) syncPair(states[0]!, states[i]!);
  return { states, model, nodes, updates };
}

test('property: any schedule of writes and syncs converges to the last-writer-wins model', () => {
  fc.assert(
    fc.property(
      fc.array(stepArb, { maxLength: 60 }),
      fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 3, maxLength: 3 }),
      (steps, skews) => {
        const { states, model, nodes } = run(steps, skews);
        const expected = model.view(nodes);
        for (const s of states) assert.deepEqual(view(s, nodes), expected);
      },
    ),
    { numRuns: 300 },
  );
});

test('property: a removal known everywhere never resurrects, whatever old updates are replayed', () => {
  fc.assert(
    fc.property(
      fc.array(stepArb, { maxLength: 40 }),
      fc.constantFrom(...PROJECTS),
      fc.nat(2),
      (steps, project, who) => {
        const { states, updates } = run(steps, [0, 0, 0]);
        const old = [...updates];
        states[who]!.removeProject(project);
        for (let i = 0; i < 3; i++) if (i !== who) syncPair(states[who]!, states[i]!);
        for (const s of states) {
          for (const u of old) s.applyUpdate(u, 'replay');
          assert.equal(s.getProject(project), undefined);
          for (const svc of SERVICES) {
            assert.equal(s.getScale(project, svc), undefined);
            assert.equal(s.isServiceStopped(project, svc), false);
          }
        }
        // A later definition does bring it back, everywhere, with no old override.
        const other = (who + 1) % 3;
        states[other]!.putProject({ name: project, version: 1000 });
        for (let i = 0; i < 3; i++) if (i !== other) syncPair(states[other]!, states[i]!);
        for (const s of states) {
          assert.deepEqual(s.getProject(project), { name: project, version: 1000 });
          for (const svc of SERVICES) assert.equal(s.getScale(project, svc), undefined);
        }
      },
    ),
    { numRuns: 200 },
  );
});

test('property: concurrent scale changes agree on the greatest stamp; a later change wins', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ n: fc.nat(50), skew: fc.integer({ min: -3, max: 3 }) }), {
        minLength: 2,
        maxLength: 6,
      }),
      fc.nat(5),
      (writes, laterWriter) => {
        const states = writes.map((w, i) => new ClusterState({ nodeId: `n${i}`, clock: () => 500 + w.skew }));
        states[0]!.putProject({ name: 'p' });
        for (let i = 1; i < states.length; i++) syncPair(states[0]!, states[i]!);
        const stamped = writes.map((w, i) => {
          states[i]!.setScale('p', 'app', w.n);
          return { n: w.n, stamp: states[i]!.lastWrite()! };
        });
        for (let k = 0; k < 2; k++) for (let i = 1; i < states.length; i++) syncPair(states[0]!, states[i]!);
        const win = stamped.reduce((b, w) =>
          w.stamp.at > b.stamp.at || (w.stamp.at === b.stamp.at && w.stamp.node > b.stamp.node) ? w : b,
        );
        for (const s of states) assert.equal(s.getScale('p', 'app'), win.n);
        const j = laterWriter % states.length;
        states[j]!.setScale('p', 'app', 777);
        for (let i = 0; i < states.length; i++) if (i !== j) syncPair(states[j]!, states[i]!);
        for (const s of states) assert.equal(s.getScale('p', 'app'), 777);
      },
    ),
    { numRuns: 300 },
  );
});
