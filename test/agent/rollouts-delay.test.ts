/**
 * A wave's delay counts from when this node saw the earlier waves ready, not from a start
 * time the engine's container list does not give (so with a real engine the next wave never
 * went when `delay` was set: the stall of the harness test "a host killed mid-update").
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../../src/agent/logger.js';
import { Rollouts } from '../../src/agent/rollouts.js';
import { toDesiredSlots } from '../../src/reconcile/index.js';
import { withRevisions } from '../../src/reconcile/revisions.js';
import { type ContainerInfo, LABELS } from '../../src/runtime/types.js';
import { project, service } from '../reconcile/fixtures.js';
import { newState } from './fixtures.js';

test('the next wave goes once the delay has passed since the earlier wave was seen ready', () => {
  let now = 1_000;
  const clock = { now: () => now, sleep: async () => {} };
  const state = newState();
  const meta = (at: number) => ({ at, node: 'n1', command: 'up' });
  const web = (image: string) =>
    project('p', {
      web: service({ image, deploy: { replicas: 2, update_config: { parallelism: 1, delay: 2e9 } } }),
    });
  const v2 = withRevisions(withRevisions(undefined, web('a:1'), meta(1)), web('a:2'), meta(2));
  const slots = toDesiredSlots(v2, {}, new Set());
  const newHash = slots[0]!.specHash;
  // What a real engine's list gives: no start time.
  const container = (replica: number, hash: string): ContainerInfo => ({
    id: `c${replica}`,
    name: `p-web-${replica + 1}`,
    image: 'a',
    labels: {
      [LABELS.project]: 'p',
      [LABELS.service]: 'web',
      [LABELS.slot]: String(replica),
      [LABELS.specHash]: hash,
      [LABELS.node]: 'n1',
    },
    state: 'running',
    health: 'none',
    createdAt: 0,
    ports: [],
  });
  const actual = [container(0, newHash), container(1, 'old-hash')];
  const rollouts = new Rollouts({
    nodeId: 'n1',
    state,
    clock,
    logger: silentLogger(),
    flush: async () => {},
  });
  const released = () => {
    rollouts.shape({
      specs: new Map([['p', v2]]),
      owned: slots,
      all: slots,
      actual,
      live: new Set(['n1']),
      unplaced: new Set(),
    });
    return [...(rollouts.seen.get('p/web')?.view.released ?? [])];
  };
  assert.deepEqual(released(), [0], 'wave 1 went before the delay');
  now = 2_500;
  assert.deepEqual(released(), [0], 'wave 1 went before the delay');
  now = 3_000;
  assert.deepEqual(released(), [0, 1], 'wave 1 did not go once the delay had passed');
});
