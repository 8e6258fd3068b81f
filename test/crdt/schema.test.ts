import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as Y from 'yjs';
import { ClusterState, MAX_SCALE, type NodeStatus } from '../../crdt/index.js';

/**
 * A replica that speaks valid Yjs but breaks the ClusterState schema: it writes raw entries
 * into the document's maps. Every honest replica must ignore them alike.
 */
function hostileUpdate(writes: Array<[map: string, key: string, value: unknown]>): Uint8Array {
  const doc = new Y.Doc();
  doc.transact(() => {
    for (const [map, key, value] of writes) doc.getMap(map).set(key, value);
  });
  return Y.encodeStateAsUpdateV2(doc);
}

function honest(nodeId: string, time: { t: number }): ClusterState {
  return new ClusterState({ nodeId, clock: () => time.t });
}

const status = (n: number): NodeStatus => ({ containers: [], images: [`img${n}`], updatedAt: n });

test('hostile: an entry with a huge stamp cannot freeze a register against later writes', () => {
  const time = { t: 1000 };
  const a = honest('a', time);
  a.putProject({ name: 'p', services: { s: {} } });
  a.applyUpdate(hostileUpdate([['scale/1', 'p\u0000s\u0000zz', { at: 1e300, node: 'zz', n: 7 }]]), 'evil');
  time.t = 2000;
  a.setScale('p', 's', 2);
  assert.equal(a.getScale('p', 's'), 2);
  assert.ok((a.lastWrite()?.at ?? 0) < 1e20, 'stamps were not dragged to the huge value');
});

test('hostile: a project spec of the wrong type or under another name is ignored', () => {
  const time = { t: 1000 };
  const a = honest('a', time);
  const spec = { name: 'web', services: { app: { image: 'x' } } };
  a.putProject(spec);
  for (const bad of ['boom', 42, null, [1, 2], { name: 'other', services: {} }, { services: {} }]) {
    a.applyUpdate(
      hostileUpdate([['projects/1', 'web\u0000zz', { at: 5000, node: 'zz', spec: bad }]]),
      'evil',
    );
    assert.deepEqual(a.getProject('web'), spec, `spec ${JSON.stringify(bad)}`);
    assert.deepEqual(a.listProjects(), ['web']);
  }
});

test('hostile: a removal whose floor lies in the future cannot kill later overrides', () => {
  const time = { t: 1000 };
  const a = honest('a', time);
  a.putProject({ name: 'p', services: { s: {} } });
  const forged = { at: 10, node: 'zz', removed: true, floor: { at: 1e12, node: 'zz' } };
  a.applyUpdate(hostileUpdate([['projects/1', 'p\u0000zz', forged]]), 'evil');
  time.t = 2000;
  a.setScale('p', 's', 3);
  assert.equal(a.getScale('p', 's'), 3);
});

test('hostile: an absurd scale or a non-boolean stopped flag is ignored', () => {
  const time = { t: 1000 };
  const a = honest('a', time);
  a.putProject({ name: 'p', services: { s: {} } });
  a.setScale('p', 's', 2);
  a.setServiceStopped('p', 's', true);
  a.applyUpdate(
    hostileUpdate([
      ['scale/1', 'p\u0000s\u0000zz', { at: 9000, node: 'zz', n: 1e9 }],
      ['stopped/1', 'p\u0000s\u0000zz', { at: 9000, node: 'zz', stopped: 'no' }],
    ]),
    'evil',
  );
  assert.equal(a.getScale('p', 's'), 2);
  assert.equal(a.isServiceStopped('p', 's'), true);
  assert.throws(() => a.setScale('p', 's', MAX_SCALE + 1), RangeError);
});

test("hostile: a node writing another node's status entry cannot hide or replace it", () => {
  const time = { t: 1000 };
  const a = honest('a', time);
  const b = honest('b', time);
  a.setNodeStatus(status(1));
  b.applyUpdate(a.encodeUpdate(), 'net');
  const forged = hostileUpdate([['nodes/1', 'a\u0000zz', { at: 1e6, node: 'zz', status: status(666) }]]);
  a.applyUpdate(forged, 'evil');
  b.applyUpdate(forged, 'evil');
  assert.deepEqual(a.nodeStatuses().get('a'), status(1));
  assert.deepEqual(b.nodeStatuses().get('a'), status(1));
  // The real owner's next write still lands everywhere.
  a.setNodeStatus(status(2));
  b.applyUpdate(a.encodeUpdate(b.stateVector()), 'net');
  assert.deepEqual(b.nodeStatuses().get('a'), status(2));
});
