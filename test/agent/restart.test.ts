/**
 * `fizz restart`: `-t` reaches the engine as the grace period (else the service's
 * stop_grace_period); a restart asked while a pass recreates the service waits for that
 * pass and restarts the new container, and no pass starts while a restart runs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeServicesRequest } from '../../src/api/decode.js';
import { FakeRuntime } from '../../src/runtime/fake.js';
import type { CreateRequest } from '../../src/runtime/types.js';
import { project, service, signal, testAgent } from './fixtures.js';

/** A fake whose `create` and `restart` can be held at a gate, and that records restart grace periods. */
class GatedRuntime extends FakeRuntime {
  createGate: Promise<void> | undefined;
  restartGate: Promise<void> | undefined;
  readonly restarts: Array<{ id: string; graceMs: number | undefined }> = [];
  override async create(req: CreateRequest): Promise<string> {
    if (this.createGate) await this.createGate;
    return super.create(req);
  }
  override async restart(id: string, graceMs?: number): Promise<void> {
    this.restarts.push({ id, graceMs });
    if (this.restartGate) await this.restartGate;
    return super.restart(id, graceMs);
  }
}

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => {
    open = r;
  });
  return { promise, open };
}

function setup() {
  return testAgent({ runtime: new GatedRuntime() });
}

const settle = () => new Promise((r) => setTimeout(r, 50));

test('restart -t N hands N seconds to the engine; without it the stop_grace_period', async () => {
  const { agent, runtime } = setup();
  const spec = project({ web: service({ stop_grace_period: 3_000_000_000 }), side: service() });
  assert.equal((await agent.up({ spec }, () => {}, signal)).ok, true);
  const withT = await agent.restart({ project: 'demo', services: ['web'], timeout: 1 }, () => {});
  assert.equal(withT.ok, true, withT.errors.join('; '));
  assert.deepEqual(
    runtime.restarts.map((r) => r.graceMs),
    [1000],
  );
  runtime.restarts.length = 0;
  assert.equal((await agent.restart({ project: 'demo', services: [] }, () => {})).ok, true);
  assert.deepEqual(runtime.restarts.map((r) => r.graceMs).sort(), [3000, undefined]);
  runtime.restarts.length = 0;
  assert.equal((await agent.restart({ project: 'demo', services: ['side'], timeout: 0 }, () => {})).ok, true);
  assert.deepEqual(
    runtime.restarts.map((r) => r.graceMs),
    [0],
  );
});

test('the API decoder takes a whole number of seconds as timeout and refuses anything else', () => {
  assert.equal(decodeServicesRequest({ project: 'demo', services: [], timeout: 5 }).timeout, 5);
  assert.equal(decodeServicesRequest({ project: 'demo', services: [] }).timeout, undefined);
  for (const bad of [-1, 1.5, '3', null])
    assert.throws(() => decodeServicesRequest({ project: 'demo', services: [], timeout: bad }), /timeout/);
});

test('a restart asked while a pass recreates the service waits for it and restarts the new container', async () => {
  const { agent, runtime } = setup();
  assert.equal((await agent.up({ spec: project({ web: service() }) }, () => {}, signal)).ok, true);
  const [oldId] = [...runtime.containers.keys()];
  // The service changes: the pass removes the old container, then is held before creating the new one.
  const g = gate();
  runtime.createGate = g.promise;
  const changed = project({ web: service({ command: ['sleep', '1'] }) });
  const up = agent.up({ spec: changed }, () => {}, signal);
  for (let i = 0; i < 400 && runtime.containers.has(oldId!); i++) await settle();
  assert.ok(!runtime.containers.has(oldId!), 'the old container was not removed');
  let restarted = false;
  const restart = agent
    .restart({ project: 'demo', services: ['web'] }, () => {})
    .then((d) => {
      restarted = true;
      return d;
    });
  await settle();
  assert.equal(restarted, false, 'restart ran while the pass was recreating the service');
  assert.equal(runtime.restarts.length, 0);
  g.open();
  runtime.createGate = undefined;
  assert.equal((await up).ok, true);
  const done = await restart;
  assert.equal(done.ok, true, done.errors.join('; '));
  const [newId] = [...runtime.containers.keys()];
  assert.notEqual(newId, oldId);
  assert.deepEqual(
    runtime.restarts.map((r) => r.id),
    [newId],
  );
});

test('no pass starts while a restart runs: a pass asked meanwhile waits for it', async () => {
  const { agent, runtime } = setup();
  assert.equal((await agent.up({ spec: project({ web: service() }) }, () => {}, signal)).ok, true);
  const g = gate();
  runtime.restartGate = g.promise;
  const restart = agent.restart({ project: 'demo', services: ['web'] }, () => {});
  for (let i = 0; i < 400 && runtime.restarts.length === 0; i++) await settle();
  const listsBefore = runtime.calls.filter((c) => c === 'list').length;
  let passDone = false;
  const pass = agent.reconciler.request({}).then(() => {
    passDone = true;
  });
  await settle();
  assert.equal(passDone, false, 'a pass ran during the restart');
  assert.equal(runtime.calls.filter((c) => c === 'list').length, listsBefore, 'a pass listed containers');
  g.open();
  assert.equal((await restart).ok, true);
  await pass;
  assert.equal(passDone, true);
});
