/**
 * awaitCluster (the wait of `fizz up` and `fizz scale` in a cluster), on a clock the test
 * drives: each sleep is one step at which the test changes the nodes' status entries.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterState, NodeContainer, NodeStatus } from '../../../crdt/index.js';
import { awaitCluster, EXTRA_COPIES_WAIT_MS } from '../../../src/agent/cluster/converge.js';
import type { ProgressEvent } from '../../../src/api/protocol.js';
import { desired } from '../../reconcile/fixtures.js';

const NAMES = new Map([
  ['a', 'h1'],
  ['b', 'h2'],
  ['c', 'h3'],
]);

const running = (service: string, replica: number): NodeContainer => ({
  id: `${service}-${replica}-${Math.random()}`,
  project: 'p',
  service,
  replica,
  state: 'running',
  specHash: 'h1',
});

/**
 * Runs awaitCluster for `web` (desired: replicas 0 and 1) over `nodes`; before step k's
 * check `steps[k]` edits them. Returns what it resolved with and at which step.
 */
async function wait(
  nodes: Record<string, NodeContainer[]>,
  steps: Array<(n: Record<string, NodeContainer[]>) => void>,
  timeoutMs = 120_000,
): Promise<{ missing: string[]; step: number; events: ProgressEvent[] }> {
  let t = 0;
  let step = 0;
  const events: ProgressEvent[] = [];
  const state = {
    nodeStatuses: () =>
      new Map(
        Object.entries(nodes).map(([id, containers]): [string, NodeStatus] => [
          id,
          { containers, images: [], updatedAt: 0 },
        ]),
      ),
  } as unknown as ClusterState;
  const missing = await awaitCluster({
    state,
    project: 'p',
    services: ['web'],
    slots: () => [desired('p', 'web', 0), desired('p', 'web', 1)],
    names: () => NAMES,
    pending: () => new Set(),
    selfId: 'a',
    clock: {
      now: () => t,
      sleep: async (ms) => {
        t += ms;
        steps[step]?.(nodes);
        step++;
      },
    },
    timeoutMs,
    signal: new AbortController().signal,
    emit: (e) => events.push(e),
  });
  return { missing, step, events };
}

describe('awaitCluster', () => {
  it('returns at once when each replica runs once', async () => {
    const r = await wait({ a: [running('web', 0)], b: [running('web', 1)], c: [] }, []);
    assert.deepEqual(r.missing, []);
    assert.equal(r.step, 0);
    assert.deepEqual(
      r.events.map((e) => [e.name, e.detail]),
      [['p-web-2', 'on h2']],
    );
  });

  it('waits for a replica to come up, then for the old copy of a moved one to go', async () => {
    const r = await wait({ a: [running('web', 0)], b: [], c: [] }, [
      (n) => {
        // Step 0: replica 1 runs, on h2 and already on h3 too, the node it moves to.
        n.b = [running('web', 1)];
        n.c = [running('web', 1)];
      },
      () => {},
      (n) => {
        n.b = [];
      },
    ]);
    assert.deepEqual(r.missing, []);
    assert.equal(r.step, 3, 'returned at the check after h2 stopped its copy');
  });

  it('waits for a replica scaled away on another node to go', async () => {
    const r = await wait({ a: [running('web', 0)], b: [running('web', 1)], c: [running('web', 2)] }, [
      () => {},
      (n) => {
        n.c = [];
      },
    ]);
    assert.deepEqual(r.missing, []);
    assert.equal(r.step, 2);
  });

  it('does not count stopped containers, other services or other projects', async () => {
    const stopped = { ...running('web', 2), state: 'exited' };
    const other = running('db', 0);
    const foreign = { ...running('web', 1), project: 'q' };
    const r = await wait(
      { a: [running('web', 0), stopped], b: [running('web', 1), other], c: [foreign] },
      [],
    );
    assert.equal(r.step, 0);
  });

  it('gives up on an extra copy after EXTRA_COPIES_WAIT_MS, with no missing replica', async () => {
    const r = await wait({ a: [running('web', 0)], b: [running('web', 1)], c: [running('web', 1)] }, []);
    assert.deepEqual(r.missing, []);
    assert.equal(r.step, EXTRA_COPIES_WAIT_MS / 200);
  });

  it('a replica that never comes up is missing at the deadline', async () => {
    const r = await wait({ a: [running('web', 0)], b: [], c: [] }, [], 1_000);
    assert.deepEqual(r.missing, ['p-web-2']);
    assert.equal(r.step, 5);
  });
});
