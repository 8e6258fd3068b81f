/** The per-service switches of Fizz's self-healing (x-fizz restart_unhealthy, recreate_removed) in the planner. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plan, REMOVED_BY_HAND } from '../../src/reconcile/plan.js';
import { selfHealing } from '../../src/reconcile/self-heal.js';
import { container, desired, service } from './fixtures.js';

const P = new Set(['p']);
const off = service({ 'x-fizz': { restart_unhealthy: false, recreate_removed: false } });
const brief = (input: Parameters<typeof plan>[0]) =>
  plan(input).map(
    (a) => `${a.kind}:${a.kind === 'remove' ? a.container.id : a.slot.slot.service}:${a.reason}`,
  );

test('selfHealing: both on unless x-fizz says false', () => {
  assert.deepEqual(selfHealing(service()), { restartUnhealthy: true, recreateRemoved: true });
  assert.deepEqual(selfHealing(off), { restartUnhealthy: false, recreateRemoved: false });
  assert.deepEqual(selfHealing(service({ 'x-fizz': { restart_unhealthy: false } })), {
    restartUnhealthy: false,
    recreateRemoved: true,
  });
  assert.deepEqual(selfHealing(service({ 'x-fizz': 'junk' })), {
    restartUnhealthy: true,
    recreateRemoved: true,
  });
});

test('an unhealthy container is restarted unless its service turns that off', () => {
  const sick = (id: string, svc: string) => container(id, 'p', svc, 0, 'h1', { health: 'unhealthy' });
  const actions = brief({
    owned: [desired('p', 'on', 0), desired('p', 'off', 0, 'h1', true, off)],
    actual: [sick('a', 'on'), sick('b', 'off')],
    projects: P,
    restartAllowed: new Set(['p/on/0', 'p/off/0']),
  });
  assert.deepEqual(actions, ['restart:on:unhealthy']);
});

test('a container removed by hand is made again unless its service turns that off; up or start make it', () => {
  const owned = [desired('p', 'on', 0), desired('p', 'off', 0, 'h1', true, off)];
  const vanished = new Set(['p/on/0', 'p/off/0']);
  assert.deepEqual(brief({ owned, actual: [], projects: P, vanished }), [`create:on:${REMOVED_BY_HAND}`]);
  for (const rerun of ['p/off', 'p/off/0'])
    assert.deepEqual(
      brief({ owned, actual: [], projects: P, vanished, rerunExited: new Set([rerun]) }),
      ['create:off:missing', `create:on:${REMOVED_BY_HAND}`],
      rerun,
    );
  assert.deepEqual(brief({ owned, actual: [], projects: P, vanished, rerunExited: new Set(['p']) }), [
    'create:off:missing',
    'create:on:missing',
  ]);
  // Never there (first up, a new replica, a slot moved here): made whatever the switch says.
  assert.deepEqual(brief({ owned, actual: [], projects: P }), ['create:off:missing', 'create:on:missing']);
});
