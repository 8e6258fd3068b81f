/**
 * The planner and the fake runtime together, as the agent will use them: desired slots
 * from a project, plan against what the runtime lists, execute, list again, plan again.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyOf } from '../../src/reconcile/labels.js';
import { plan } from '../../src/reconcile/plan.js';
import { toDesiredSlots } from '../../src/reconcile/slots.js';
import type { Action, DesiredSlot } from '../../src/reconcile/types.js';
import { FakeRuntime } from '../../src/runtime/fake.js';
import { LABELS } from '../../src/runtime/types.js';
import { project, service } from './fixtures.js';

async function execute(rt: FakeRuntime, actions: Action[]): Promise<void> {
  const create = async (d: DesiredSlot, start: boolean) => {
    const id = await rt.create({
      slot: d.slot,
      name: d.name,
      spec: d.spec,
      specHash: d.specHash,
      networks: [],
      volumeNames: {},
      labels: { [LABELS.node]: 'n1' },
    });
    if (start) await rt.start(id);
  };
  for (const a of actions) {
    switch (a.kind) {
      case 'create':
        await create(a.slot, a.start);
        break;
      case 'start':
        await rt.start(a.container.id);
        break;
      case 'stop':
        await rt.stop(a.container.id);
        break;
      case 'restart':
        await rt.restart(a.container.id);
        break;
      case 'remove':
        await rt.remove(a.container.id, { force: true });
        break;
      case 'recreate':
        await rt.remove(a.container.id, { force: true });
        await create(a.slot, a.slot.running);
        break;
    }
  }
}

async function converge(rt: FakeRuntime, owned: DesiredSlot[], projects: Set<string>) {
  const first = plan({ owned, actual: await rt.list(), projects });
  await execute(rt, first);
  const again = plan({ owned, actual: await rt.list(), projects });
  return { first, again };
}

test('up, up again, scale, change, stop, remove a service, down — each converges in one plan', async () => {
  let t = 0;
  const rt = new FakeRuntime({ now: () => ++t });
  const P = new Set(['shop']);
  const kinds = (as: Action[]) => as.map((a) => a.kind).join(',');

  let proj = project('shop', { web: service({ scale: 2 }), db: service() });
  let r = await converge(rt, toDesiredSlots(proj), P);
  assert.equal(kinds(r.first), 'create,create,create');
  assert.deepEqual(r.again, []);
  assert.deepEqual((await rt.list('shop')).map((c) => c.name).sort(), [
    'shop-db-1',
    'shop-web-1',
    'shop-web-2',
  ]);

  // Nothing changed: nothing touched.
  r = await converge(rt, toDesiredSlots(proj), P);
  assert.deepEqual(r.first, []);

  // Scale web to 3 and back to 1: the running replicas are not recreated.
  const web1 = (await rt.inspect('shop-web-1'))!.id;
  r = await converge(rt, toDesiredSlots(proj, { web: 3 }), P);
  assert.equal(kinds(r.first), 'create');
  r = await converge(rt, toDesiredSlots(proj, { web: 1 }), P);
  assert.equal(kinds(r.first), 'remove,remove');
  assert.equal((await rt.inspect('shop-web-1'))!.id, web1);
  assert.deepEqual(r.again, []);

  // A changed environment recreates only that service.
  proj = project('shop', { web: service({ scale: 1, environment: { MODE: 'new' } }), db: service() });
  r = await converge(rt, toDesiredSlots(proj), P);
  assert.equal(kinds(r.first), 'recreate');
  assert.notEqual((await rt.inspect('shop-web-1'))!.id, web1);

  // fizz stop web, then start it again.
  r = await converge(rt, toDesiredSlots(proj, undefined, new Set(['web'])), P);
  assert.equal(kinds(r.first), 'stop');
  assert.equal((await rt.inspect('shop-web-1'))!.state, 'exited');
  r = await converge(rt, toDesiredSlots(proj), new Set(['shop']));
  // Exited under `restart: no`: only an explicit rerun starts it.
  assert.deepEqual(r.first, []);
  const rerun = plan({
    owned: toDesiredSlots(proj),
    actual: await rt.list(),
    projects: P,
    rerunExited: new Set(['shop/web']),
  });
  assert.equal(kinds(rerun), 'start');

  // Remove the db service from the file.
  proj = project('shop', { web: service({ scale: 1, environment: { MODE: 'new' } }) });
  await execute(rt, rerun);
  r = await converge(rt, toDesiredSlots(proj), P);
  assert.equal(kinds(r.first), 'remove');
  assert.deepEqual(
    (await rt.list('shop')).map((c) => c.name),
    ['shop-web-1'],
  );

  // Down: the project stays managed but owns nothing.
  r = await converge(rt, [], P);
  assert.equal(kinds(r.first), 'remove');
  assert.deepEqual(await rt.list('shop'), []);
});

test('an agent that restarts adopts running containers instead of starting twins', async () => {
  const rt = new FakeRuntime();
  const proj = project('shop', { web: service({ scale: 3 }) });
  await converge(rt, toDesiredSlots(proj), new Set(['shop']));
  const before = (await rt.list()).map((c) => c.id).sort();
  // A new agent process: no memory, only the labels on the containers.
  const actions = plan({ owned: toDesiredSlots(proj), actual: await rt.list(), projects: new Set(['shop']) });
  assert.deepEqual(actions, []);
  assert.deepEqual((await rt.list()).map((c) => c.id).sort(), before);
});

test('twins left by a crash between create and bookkeeping: the oldest running one stays', async () => {
  let t = 0;
  const rt = new FakeRuntime({ now: () => ++t });
  const [slot] = toDesiredSlots(project('shop', { web: service() }));
  const mk = async (name: string) => {
    const id = await rt.create({
      slot: slot!.slot,
      name,
      spec: slot!.spec,
      specHash: slot!.specHash,
      networks: [],
      volumeNames: {},
      labels: {},
    });
    await rt.start(id);
    return id;
  };
  const oldest = await mk('shop-web-1');
  await mk('shop-web-1-twin');
  await mk('shop-web-1-twin2');
  const { first, again } = await converge(rt, [slot!], new Set(['shop']));
  assert.deepEqual(
    first.map((a) => a.kind),
    ['remove', 'remove'],
  );
  assert.deepEqual(again, []);
  assert.deepEqual(
    (await rt.list()).map((c) => c.id),
    [oldest],
  );
});

test('an unhealthy container is restarted only once its back-off allows', async () => {
  const rt = new FakeRuntime();
  const proj = project('shop', { web: service({ healthcheck: { test: ['CMD', 'false'] } }) });
  const owned = toDesiredSlots(proj);
  await converge(rt, owned, new Set(['shop']));
  const [c] = await rt.list();
  rt.setHealth(c!.id, 'unhealthy');
  assert.deepEqual(plan({ owned, actual: await rt.list(), projects: new Set(['shop']) }), []);
  const key = keyOf(owned[0]!.slot);
  const actions = plan({
    owned,
    actual: await rt.list(),
    projects: new Set(['shop']),
    restartAllowed: new Set([key]),
  });
  assert.deepEqual(
    actions.map((a) => a.kind),
    ['restart'],
  );
  await execute(rt, actions);
  assert.equal((await rt.inspect(c!.id))!.health, 'starting');
});
