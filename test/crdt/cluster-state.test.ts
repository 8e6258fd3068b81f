import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ClusterState, type StateChange, UpdateDecodeError } from '../../crdt/index.js';

function pair(): [ClusterState, ClusterState, { t: number }] {
  const time = { t: 1000 };
  const a = new ClusterState({ nodeId: 'a', clock: () => time.t });
  const b = new ClusterState({ nodeId: 'b', clock: () => time.t });
  return [a, b, time];
}

function sync(x: ClusterState, y: ClusterState): void {
  y.applyUpdate(x.encodeUpdate(y.stateVector()), 'remote');
  x.applyUpdate(y.encodeUpdate(x.stateVector()), 'remote');
}

test('a project put on one replica is read on another after sync', () => {
  const [a, b] = pair();
  a.putProject({ name: 'web', services: { app: { image: 'x' } } });
  assert.deepEqual(a.listProjects(), ['web']);
  assert.equal(b.getProject('web'), undefined);
  sync(a, b);
  assert.deepEqual(b.getProject('web'), { name: 'web', services: { app: { image: 'x' } } });
});

test('a removal wins over an older concurrent definition and does not resurrect', () => {
  const [a, b, time] = pair();
  a.putProject({ name: 'web', v: 1 });
  sync(a, b);
  time.t = 2000;
  b.putProject({ name: 'web', v: 2 }); // concurrent, older
  time.t = 3000;
  a.removeProject('web'); // concurrent, newer
  sync(a, b);
  assert.equal(a.getProject('web'), undefined);
  assert.equal(b.getProject('web'), undefined);
  // replaying b's old update again changes nothing
  a.applyUpdate(b.encodeUpdate(), 'remote');
  assert.equal(a.getProject('web'), undefined);
  assert.deepEqual(a.listProjects(), []);
});

test('a later put brings a removed project back, without its older overrides', () => {
  const [a, b, time] = pair();
  a.putProject({ name: 'web' });
  a.setScale('web', 'app', 5);
  a.setServiceStopped('web', 'db', true);
  sync(a, b);
  time.t = 2000;
  b.removeProject('web');
  sync(a, b);
  time.t = 3000;
  a.putProject({ name: 'web', again: true });
  sync(a, b);
  assert.deepEqual(b.getProject('web'), { name: 'web', again: true });
  assert.equal(b.getScale('web', 'app'), undefined);
  assert.equal(b.isServiceStopped('web', 'db'), false);
  b.setScale('web', 'app', 2);
  sync(a, b);
  assert.equal(a.getScale('web', 'app'), 2);
});

test('a write made after seeing another wins even when the writer clock lags', () => {
  const timeA = { t: 10_000 };
  const a = new ClusterState({ nodeId: 'a', clock: () => timeA.t });
  const b = new ClusterState({ nodeId: 'b', clock: () => 5 }); // far behind
  a.putProject({ name: 'p' });
  a.setScale('p', 's', 3);
  sync(a, b);
  b.setScale('p', 's', 7);
  sync(a, b);
  assert.equal(a.getScale('p', 's'), 7);
  assert.equal(b.getScale('p', 's'), 7);
});

test('concurrent scale changes settle on the greatest (at, nodeId)', () => {
  const [a, b] = pair();
  a.putProject({ name: 'p' });
  sync(a, b);
  a.setScale('p', 's', 1);
  b.setScale('p', 's', 2); // same at, node 'b' > 'a'
  sync(a, b);
  assert.equal(a.getScale('p', 's'), 2);
  assert.equal(b.getScale('p', 's'), 2);
});

test('secrets are stored as bytes and survive a project removal', () => {
  const [a, b] = pair();
  a.putProject({ name: 'p' });
  a.putSecret('p', 'db', new Uint8Array([1, 2, 3]));
  a.removeProject('p');
  sync(a, b);
  assert.deepEqual(b.getSecret('p', 'db'), new Uint8Array([1, 2, 3]));
  assert.deepEqual(b.listSecrets('p'), ['db']);
  b.removeSecret('p', 'db');
  sync(a, b);
  assert.equal(a.getSecret('p', 'db'), undefined);
});

test('node statuses: each node writes its own entry', () => {
  const [a, b] = pair();
  a.setNodeStatus({ containers: [], images: ['img:1'], updatedAt: 1 });
  b.setNodeStatus({
    containers: [{ id: 'c1', project: 'p', service: 's', replica: 0, state: 'running' }],
    images: [],
    updatedAt: 2,
  });
  sync(a, b);
  const st = a.nodeStatuses();
  assert.deepEqual([...st.keys()].sort(), ['a', 'b']);
  assert.equal(st.get('b')!.containers[0]!.id, 'c1');
  assert.throws(() => a.setNodeStatus({ containers: 'x' } as never), TypeError);
});

test('typed change events say what changed and whether it was local', () => {
  const [a, b] = pair();
  const seen: StateChange[] = [];
  b.on('change', (e) => seen.push(e));
  const local: StateChange[] = [];
  a.on('change', (e) => local.push(e));
  a.putProject({ name: 'p' });
  a.setScale('p', 's', 2);
  a.setServiceStopped('p', 's', true);
  a.putSecret('p', 'k', new Uint8Array([9]));
  a.setNodeStatus({ containers: [], images: [], updatedAt: 0 });
  a.removeProject('p');
  sync(a, b);
  assert.deepEqual(
    local.map((e) => [e.kind, e.local]),
    [
      ['project-put', true],
      ['scale', true],
      ['stopped', true],
      ['secret', true],
      ['node-status', true],
      ['project-removed', true],
      ['scale', true],
      ['stopped', true],
    ],
  );
  const kinds = new Set(seen.map((e) => e.kind));
  assert.ok(kinds.has('project-removed') && kinds.has('secret') && kinds.has('node-status'));
  assert.ok(seen.every((e) => !e.local));
});

test('local update bytes are emitted for gossip; remote ones are not', () => {
  const [a, b] = pair();
  const out: Uint8Array[] = [];
  b.onLocalUpdate((u) => out.push(u));
  a.putProject({ name: 'p' });
  b.applyUpdate(a.encodeUpdate(), 'remote');
  assert.equal(out.length, 0);
  b.setScale('p', 's', 1);
  assert.equal(out.length, 1);
  const c = new ClusterState({ nodeId: 'c', clock: () => 0 });
  c.applyUpdate(ClusterState.merge([a.encodeUpdate(), out[0]!]), 'remote');
  assert.equal(c.getScale('p', 's'), 1);
});

test('garbage bytes raise UpdateDecodeError and change nothing', () => {
  const [a] = pair();
  a.putProject({ name: 'p' });
  for (const junk of [new Uint8Array([255, 255, 255, 255, 255]), new Uint8Array([1, 200, 3])]) {
    assert.throws(
      () => a.applyUpdate(junk, 'remote'),
      (e: Error) => e.name === 'UpdateDecodeError',
    );
  }
  assert.ok(new UpdateDecodeError('x') instanceof Error);
  assert.deepEqual(a.listProjects(), ['p']);
});

test('fuzz: random and mutated update bytes raise only UpdateDecodeError and leave readers working', () => {
  const base = new ClusterState({ nodeId: 'a', clock: () => 1 });
  base.putProject({ name: 'p', services: { a: { image: 'x' } } });
  base.setScale('p', 'a', 3);
  base.setNodeStatus({ containers: [], images: ['i'], updatedAt: 1 });
  const good = base.encodeUpdate();
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 120 }),
      fc.nat(),
      fc.nat(255),
      fc.boolean(),
      (rnd, pos, val, mutate) => {
        const s = new ClusterState({ nodeId: 'b', clock: () => 1 });
        let bytes = rnd;
        if (mutate) {
          bytes = new Uint8Array(good);
          bytes[pos % bytes.length] = val;
        }
        try {
          s.applyUpdate(bytes, 'fuzz');
        } catch (err) {
          assert.equal((err as Error).name, 'UpdateDecodeError');
        }
        s.listProjects();
        s.getScale('p', 'a');
        s.nodeStatuses();
        s.listSecrets('p');
      },
    ),
    { numRuns: 400 },
  );
});

test('a throwing change listener starves no other listener and is not reported as a bad update', () => {
  const [a, b] = pair();
  const got: string[] = [];
  b.on('change', () => {
    throw new Error('listener bug');
  });
  b.on('change', (e) => got.push(e.kind));
  a.putProject({ name: 'p', services: {} });
  a.setScale('p', 's', 2);
  assert.throws(
    () => b.applyUpdate(a.encodeUpdate(), 'remote'),
    (e: Error) => e.name === 'ListenerError' && (e.cause as Error).message === 'listener bug',
  );
  assert.deepEqual(got.sort(), ['project-put', 'scale']);
  assert.deepEqual(b.listProjects(), ['p']);

  // With a handler, the error goes there and the update is applied quietly.
  const errors: string[] = [];
  const c = new ClusterState({
    nodeId: 'c',
    clock: () => 1,
    onListenerError: (err, change) => errors.push(`${change.kind}: ${(err as Error).message}`),
  });
  c.on('change', () => {
    throw new Error('boom');
  });
  c.applyUpdate(a.encodeUpdate(), 'remote');
  assert.deepEqual(errors.sort(), ['project-put: boom', 'scale: boom']);
  assert.deepEqual(c.listProjects(), ['p']);
});
