import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ServiceSpec } from '../../src/compose/types.js';
import {
  HISTORY_LIMIT,
  historyOf,
  rolledBack,
  rolloutOf,
  specChanges,
  withRevisions,
} from '../../src/reconcile/revisions.js';
import { resolveUpdateConfig } from '../../src/reconcile/update-config.js';
import { project, service } from './fixtures.js';

const meta = (at: number, command = 'up') => ({ at, node: 'n1', nodeName: 'h1', command });
const v = (image: string, deploy?: ServiceSpec['deploy']) =>
  project('p', { web: service({ image, ...(deploy ? { deploy } : {}) }) });

describe('revisions', () => {
  test('the first up writes revision 1 and no rollout', () => {
    const p = withRevisions(undefined, v('a:1'), meta(1));
    assert.deepEqual(
      historyOf(p, 'web').map((r) => [r.rev, r.command, r.changes]),
      [[1, 'up', ['created']]],
    );
    assert.equal(rolloutOf(p, 'web'), undefined);
  });

  test('a changed service gets a revision with what changed, and a rollout from the last one', () => {
    const p1 = withRevisions(undefined, v('a:1'), meta(1));
    const p2 = withRevisions(p1, v('a:2', { update_config: { order: 'start-first' } }), meta(2));
    const h = historyOf(p2, 'web');
    assert.deepEqual(h.at(-1)!.changes, ['deploy.update_config changed', 'image: "a:1" → "a:2"']);
    const r = rolloutOf(p2, 'web')!;
    assert.deepEqual(
      [r.kind, r.fromRev, r.toRev, r.config.order, r.id],
      ['update', 1, 2, 'start-first', 'n1@2'],
    );
  });

  test('an unchanged service keeps its history and rollout', () => {
    const p1 = withRevisions(undefined, v('a:1'), meta(1));
    const p2 = withRevisions(p1, v('a:2'), meta(2));
    const p3 = withRevisions(p2, v('a:2'), meta(3));
    assert.equal(historyOf(p3, 'web').length, 2);
    assert.equal(rolloutOf(p3, 'web')!.id, 'n1@2');
  });

  test(`at most ${HISTORY_LIMIT} revisions are kept, the newest`, () => {
    let p = withRevisions(undefined, v('a:0'), meta(0));
    for (let i = 1; i < 15; i++) p = withRevisions(p, v(`a:${i}`), meta(i));
    const h = historyOf(p, 'web');
    assert.equal(h.length, HISTORY_LIMIT);
    assert.deepEqual([h[0]!.rev, h.at(-1)!.rev], [6, 15]);
  });

  test('rollback goes back one revision as a new one; a second undoes the first', () => {
    const p1 = withRevisions(undefined, v('a:1'), meta(1));
    const p2 = withRevisions(p1, v('a:2'), meta(2));
    const back = rolledBack(p2, ['web'], meta(3, 'rollback'));
    assert.equal(back.services.web!.image, 'a:1');
    assert.deepEqual(
      historyOf(back, 'web').map((r) => r.rev),
      [1, 2, 3],
    );
    assert.equal(rolloutOf(back, 'web')!.kind, 'rollback');
    assert.equal(rolledBack(back, ['web'], meta(4, 'rollback')).services.web!.image, 'a:2');
  });

  test('rollback of a service with one revision is refused by name', () => {
    const p1 = withRevisions(undefined, v('a:1'), meta(1));
    assert.throws(() => rolledBack(p1, ['web'], meta(2)), { name: 'NoEarlierRevisionError' });
  });

  test('specChanges names keys, scalars inline', () => {
    assert.deepEqual(specChanges(service({ image: 'x' }), service({ image: 'y', command: ['a', 'b'] })), [
      'command changed',
      'image: "x" → "y"',
    ]);
  });
});

describe('resolveUpdateConfig', () => {
  test('defaults of the compose deploy spec (parallelism 1 as Swarm)', () => {
    assert.deepEqual(resolveUpdateConfig('web', service(), 'update'), {
      parallelism: 1,
      delayMs: 0,
      order: 'stop-first',
      monitorMs: 0,
      failureAction: 'pause',
      maxFailureRatio: 0,
    });
  });
  test('durations in ns become ms', () => {
    const c = resolveUpdateConfig(
      'web',
      service({ deploy: { update_config: { delay: 2e9, monitor: 5e8 } } }),
      'update',
    );
    assert.deepEqual([c.delayMs, c.monitorMs], [2000, 500]);
  });
  for (const [cfg, kind, key] of [
    [{ parallelism: -1 }, 'update', 'parallelism'],
    [{ failure_action: 'explode' }, 'update', 'failure_action'],
    [{ failure_action: 'rollback' }, 'rollback', 'failure_action'],
    [{ max_failure_ratio: 2 }, 'update', 'max_failure_ratio'],
  ] as const) {
    test(`a bad ${kind} ${key} is refused naming the key`, () => {
      const k = kind === 'update' ? 'update_config' : 'rollback_config';
      assert.throws(() => resolveUpdateConfig('web', service({ deploy: { [k]: cfg } }), kind), {
        name: 'InvalidUpdateConfigError',
        message: new RegExp(`deploy\\.${k}\\.${key}`),
      });
    });
  }
});
