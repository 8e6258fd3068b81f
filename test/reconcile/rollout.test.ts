import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { plan } from '../../src/reconcile/plan.js';
import type { Rollout } from '../../src/reconcile/revisions.js';
import { rolloutView, waveOf } from '../../src/reconcile/rollout.js';
import { UPDATE_DEFAULTS, type UpdateConfig } from '../../src/reconcile/update-config.js';
import { container, desired } from './fixtures.js';

function rollout(config: Partial<UpdateConfig> = {}, kind: Rollout['kind'] = 'update'): Rollout {
  return {
    id: 'n1@1',
    kind,
    fromRev: 1,
    toRev: 2,
    config: { ...UPDATE_DEFAULTS, ...config },
    at: 1,
    node: 'n1',
  };
}

const base = {
  replicas: [0, 1, 2, 3],
  failed: new Map<number, string>(),
  exempt: new Set<number>(),
  now: 10_000,
};

describe('rolloutView: waves', () => {
  test('waves of `parallelism` by replica index; 0 is one wave', () => {
    assert.deepEqual(
      [...waveOf([3, 0, 2, 1], 2)],
      [
        [0, 0],
        [1, 0],
        [2, 1],
        [3, 1],
      ],
    );
    assert.deepEqual([...waveOf([0, 1, 2], 0).values()], [0, 0, 0]);
  });

  test('only the first wave goes while nothing is ready', () => {
    const v = rolloutView({ ...base, rollout: rollout({ parallelism: 1 }), ready: new Map() });
    assert.deepEqual([...v.released], [0]);
    assert.equal(v.phase, 'rolling');
  });

  test('the next wave goes once the earlier ones are ready and the delay has passed', () => {
    const ready = new Map([[0, 9_000]]);
    const early = rolloutView({ ...base, rollout: rollout({ delayMs: 2_000 }), ready });
    assert.deepEqual([...early.released], [0], 'delay not passed yet');
    const later = rolloutView({ ...base, rollout: rollout({ delayMs: 500 }), ready });
    assert.deepEqual([...later.released], [0, 1]);
  });

  test('completed once every replica is ready and the monitor window has passed', () => {
    const ready = new Map([
      [0, 1],
      [1, 1],
      [2, 1],
      [3, 9_500],
    ]);
    assert.equal(rolloutView({ ...base, rollout: rollout({ monitorMs: 1_000 }), ready }).phase, 'rolling');
    assert.equal(rolloutView({ ...base, rollout: rollout({ monitorMs: 100 }), ready }).phase, 'completed');
  });

  test('an exempt replica (pending, stopped) gates nothing', () => {
    const v = rolloutView({ ...base, rollout: rollout(), ready: new Map([[0, 1]]), exempt: new Set([1]) });
    assert.deepEqual([...v.released], [0, 1, 2]);
  });
});

describe('rolloutView: failures', () => {
  const failed = new Map([[1, 'exited with code 3']]);
  test('pause stops releasing and says why', () => {
    const v = rolloutView({ ...base, rollout: rollout(), ready: new Map([[0, 1]]), failed });
    assert.equal(v.phase, 'paused');
    assert.equal(v.released.size, 0);
    assert.equal(v.reason, 'replica 2 exited with code 3');
  });
  test('rollback fails the update; a rollback that fails only pauses', () => {
    const cfg = { failureAction: 'rollback' as const };
    assert.equal(rolloutView({ ...base, rollout: rollout(cfg), ready: new Map(), failed }).phase, 'failed');
    assert.equal(
      rolloutView({ ...base, rollout: rollout(cfg, 'rollback'), ready: new Map(), failed }).phase,
      'paused',
    );
  });
  test('continue, or a ratio not passed, goes on', () => {
    const goOn = rolloutView({
      ...base,
      rollout: rollout({ failureAction: 'continue' }),
      ready: new Map(),
      failed,
    });
    assert.equal(goOn.phase, 'rolling');
    const ratio = rolloutView({
      ...base,
      rollout: rollout({ maxFailureRatio: 0.25 }),
      ready: new Map(),
      failed,
    });
    assert.equal(ratio.phase, 'rolling', '1 of 4 is not more than 0.25');
  });

  test('property: released replicas are always a prefix of the waves, and never more than the ready ones plus one wave', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 4 }),
        fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
        (n, parallelism, readyBits) => {
          const replicas = [...Array(n).keys()];
          const ready = new Map(replicas.filter((r) => readyBits[r]).map((r) => [r, 0] as [number, number]));
          const v = rolloutView({ ...base, replicas, rollout: rollout({ parallelism }), ready });
          const released = [...v.released].sort((a, b) => a - b);
          assert.deepEqual(released, replicas.slice(0, released.length));
          const firstNotReady = replicas.findIndex((r) => !ready.has(r));
          const limit =
            firstNotReady < 0
              ? n
              : parallelism === 0
                ? n
                : (Math.floor(firstNotReady / parallelism) + 1) * parallelism;
          assert.ok(released.length <= Math.min(n, limit));
        },
      ),
    );
  });
});

describe('plan: start-first', () => {
  const want = { ...desired('p', 'web', 0, 'new'), name: 'p-web-1-new' };
  test('a second container beside the running old one, which stays', () => {
    const actions = plan({
      owned: [want],
      actual: [container('old', 'p', 'web', 0, 'old')],
      projects: new Set(['p']),
      startFirst: new Set(['p/web/0']),
    });
    assert.deepEqual(
      actions.map((a) => `${a.kind}:${a.kind === 'remove' ? a.container.id : a.slot.name}`),
      ['create:p-web-1-new'],
    );
  });
  test('the old one stays while kept, and goes once the new one is ready', () => {
    const actual = [container('old', 'p', 'web', 0, 'old'), container('new', 'p', 'web', 0, 'new')];
    const input = { owned: [want], actual, projects: new Set(['p']), startFirst: new Set(['p/web/0']) };
    assert.deepEqual(plan({ ...input, keepTwins: new Set(['old']) }), []);
    assert.deepEqual(
      plan(input).map((a) => `${a.kind}:${a.kind === 'remove' ? a.container.id : ''}`),
      ['remove:old'],
    );
  });
  test('without start-first a changed spec is recreated in place', () => {
    const actions = plan({
      owned: [want],
      actual: [container('old', 'p', 'web', 0, 'old')],
      projects: new Set(['p']),
    });
    assert.deepEqual(
      actions.map((a) => a.kind),
      ['recreate'],
    );
  });
});
