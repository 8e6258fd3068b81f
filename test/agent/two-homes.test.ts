/**
 * Two agents of different FIZZ_HOMEs on one engine (root and a user): each acts only on
 * what it made. A `down` or `up` of a same-named project through the other agent leaves the
 * first agent's containers, networks and volumes alone and tells the user why.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClusterState } from '../../crdt/index.js';
import { FakeRuntime } from '../../src/runtime/fake.js';
import { ok, project, service, signal, testAgent } from './fixtures.js';

test('another agent’s down of a same-named project removes nothing of the first agent’s and says why', async () => {
  const runtime = new FakeRuntime();
  const spec = project(
    { web: service({ volumes: [{ type: 'volume', source: 'data', target: '/d' }] }) },
    'shop',
  );
  spec.volumes = { data: { name: 'shop_data' } };
  const a = testAgent({ runtime, nodeId: 'n1' });
  const b = testAgent({
    runtime,
    nodeId: 'n2',
    state: new ClusterState({ nodeId: 'n2', clock: () => Date.now() }),
  });
  try {
    await ok(a.agent.up({ spec }, () => {}, signal));
    const before = (await runtime.list()).map((c) => c.id);
    assert.equal(before.length, 1);

    const down = await b.agent.down({ project: 'shop', volumes: true }, () => {}, signal);
    assert.equal(down.ok, false);
    assert.match(down.errors.join('\n'), /belongs to another Fizz agent \(node n1/);
    assert.deepEqual(
      (await runtime.list()).map((c) => c.id),
      before,
    );
    assert.deepEqual([...runtime.networks.keys()], ['shop_default']);
    assert.deepEqual([...runtime.volumes.keys()], ['shop_data']);

    const up = await b.agent.up({ spec }, () => {}, signal);
    assert.equal(up.ok, false);
    assert.match(up.errors.join('\n'), /belongs to another Fizz agent/);
    await b.agent.reconciler.request({ manage: ['shop'] });
    assert.deepEqual(
      (await runtime.list()).map((c) => c.id),
      before,
    );

    await ok(a.agent.down({ project: 'shop', volumes: true }, () => {}, signal));
    assert.deepEqual(await runtime.list(), []);
    assert.deepEqual([...runtime.networks.keys()], []);
    assert.deepEqual([...runtime.volumes.keys()], []);
  } finally {
    await a.agent.shutdown();
    await b.agent.shutdown();
  }
});
