/**
 * docker compose's flags of `up`, `stop` and `down` on the agent, with FakeRuntime and an
 * in-memory ClusterState: `up [service…]` (only those and their dependencies, the others
 * left as they are), `--no-deps`, `--force-recreate`, `--no-recreate`, `-t` and `--scale`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeDownRequest, decodeUpRequest } from '../../src/api/decode.js';
import type { ProjectSpec, ServiceSpec } from '../../src/compose/types.js';
import { FakeRuntime } from '../../src/runtime/fake.js';
import { LABELS } from '../../src/runtime/types.js';
import { service as baseService, ok, project, signal, testAgent } from './fixtures.js';

/** A fake that records the grace period of every stop (and the stops the engine's restart makes). */
class GraceRuntime extends FakeRuntime {
  readonly stops: Array<{ name: string; graceMs: number | undefined }> = [];
  override async stop(id: string, graceMs?: number): Promise<void> {
    const name = this.containers.get(id)?.info.name ?? id;
    this.stops.push({ name, graceMs });
    return super.stop(id, graceMs);
  }
}

/** Services here restart always unless told otherwise. */
function service(extra: Partial<ServiceSpec> = {}): ServiceSpec {
  return baseService({ restart: 'always', ...extra });
}

const on = (...names: string[]) =>
  Object.fromEntries(names.map((n) => [n, { condition: 'service_started' as const, required: true }]));

/** db ← api ← web, and an independent `other`. */
function stack(changes: Record<string, Partial<ServiceSpec>> = {}): ProjectSpec {
  return project({
    db: service(changes.db),
    api: service({ depends_on: on('db'), ...changes.api }),
    web: service({ depends_on: on('api'), ...changes.web }),
    other: service(changes.other),
  });
}

function setup() {
  const { agent, runtime, state } = testAgent({ runtime: new GraceRuntime(), dependencyTimeoutMs: 3_000 });
  /** Container id and state by container name. */
  const byName = () =>
    new Map(
      [...runtime.containers.values()].map((c) => [c.info.name, { id: c.info.id, state: c.info.state }]),
    );
  const services = () =>
    [...new Set([...runtime.containers.values()].map((c) => c.info.labels[LABELS.service]))].sort();
  return { agent, runtime, state, byName, services };
}

test('up with service names brings up only those and their dependencies, transitively', async () => {
  const { agent, state, services, byName } = setup();
  await ok(agent.up({ spec: stack(), services: ['api'] }, () => {}, signal));
  assert.deepEqual(services(), ['api', 'db']);
  assert.deepEqual(Object.keys((state.getProject('demo') as ProjectSpec).services).sort(), ['api', 'db']);
  // A pass of the loop leaves it so: the unnamed services are not in the desired state.
  await agent.reconciler.request({});
  assert.deepEqual(services(), ['api', 'db']);
  await ok(agent.up({ spec: stack(), services: ['other'] }, () => {}, signal));
  assert.deepEqual(services(), ['api', 'db', 'other']);
  assert.equal(byName().get('demo-api-1')?.state, 'running');
});

test('a partial up leaves the other services as they are: not recreated though changed, not restarted', async () => {
  const { agent, state, byName } = setup();
  await ok(agent.up({ spec: stack() }, () => {}, signal));
  const before = byName();
  await ok(agent.stop({ project: 'demo', services: ['other'] }, () => {}));
  // `other` and `db` changed in the file; only web (and its dependencies) is named.
  const changed = stack({ other: { command: ['sleep', '9'] }, web: { command: ['sleep', '8'] } });
  await ok(agent.up({ spec: changed, services: ['web'] }, () => {}, signal));
  const after = byName();
  assert.notEqual(after.get('demo-web-1')?.id, before.get('demo-web-1')?.id, 'web was not recreated');
  assert.equal(after.get('demo-api-1')?.id, before.get('demo-api-1')?.id);
  assert.equal(after.get('demo-other-1')?.id, before.get('demo-other-1')?.id, 'other was recreated');
  assert.equal(after.get('demo-other-1')?.state, 'exited', 'other was started again');
  assert.equal(state.isServiceStopped('demo', 'other'), true);
  assert.equal((state.getProject('demo') as ProjectSpec).services.other?.command, undefined);
  // The loop keeps it so; a plain up then brings everything to the file.
  await agent.reconciler.request({});
  assert.equal(byName().get('demo-other-1')?.id, before.get('demo-other-1')?.id);
  await ok(agent.up({ spec: changed }, () => {}, signal));
  assert.notEqual(byName().get('demo-other-1')?.id, before.get('demo-other-1')?.id);
  assert.equal(byName().get('demo-other-1')?.state, 'running');
});

test('a partial up runs its stopped targets again and removes services gone from the file', async () => {
  const { agent, services, byName } = setup();
  await ok(agent.up({ spec: stack() }, () => {}, signal));
  await ok(agent.stop({ project: 'demo', services: [] }, () => {}));
  const withoutOther = stack();
  delete withoutOther.services.other;
  await ok(agent.up({ spec: withoutOther, services: ['api'] }, () => {}, signal));
  assert.deepEqual(services(), ['api', 'db', 'web']);
  assert.equal(byName().get('demo-api-1')?.state, 'running');
  assert.equal(byName().get('demo-db-1')?.state, 'running');
  assert.equal(byName().get('demo-web-1')?.state, 'exited');
});

test('--no-deps brings up the named service alone and does not wait for its dependencies', async () => {
  const { agent, services, byName } = setup();
  await ok(agent.up({ spec: stack(), services: ['web'], noDeps: true }, () => {}, signal));
  assert.deepEqual(services(), ['web']);
  // A dependency that is up but stopped is neither started nor waited for (healthy here).
  const healthy = { api: { condition: 'service_healthy' as const, required: true } };
  await ok(agent.up({ spec: stack({ web: { depends_on: healthy } }) }, () => {}, signal));
  await ok(agent.stop({ project: 'demo', services: ['api'] }, () => {}));
  const webBefore = byName().get('demo-web-1')?.id;
  const changed = stack({ web: { command: ['sleep', '7'], depends_on: healthy } });
  await ok(agent.up({ spec: changed, services: ['web'], noDeps: true }, () => {}, signal));
  assert.notEqual(byName().get('demo-web-1')?.id, webBefore);
  assert.equal(byName().get('demo-web-1')?.state, 'running');
  assert.equal(byName().get('demo-api-1')?.state, 'exited');
});

test('--no-deps with a service and its dependency both named still starts them in order', async () => {
  const { agent, runtime, services } = setup();
  const healthy = { api: { condition: 'service_healthy' as const, required: true } };
  const spec = stack({ web: { depends_on: healthy } });
  // api cannot be created: web, which waits for it to be healthy, fails too.
  runtime.failNext('create', new Error('no room'), (arg) => arg.includes('api'));
  const both = await agent.up({ spec, services: ['web', 'api'], noDeps: true }, () => {}, signal);
  assert.equal(both.ok, false);
  assert.match(both.errors.join('\n'), /service "web": dependency "api" did not become healthy/);
  assert.deepEqual(services(), ['web']);
  assert.equal([...runtime.containers.values()][0]?.info.state, 'created');
});

test('without --no-deps a stopped dependency is started again', async () => {
  const { agent, byName, state } = setup();
  await ok(agent.up({ spec: stack() }, () => {}, signal));
  await ok(agent.stop({ project: 'demo', services: ['api', 'web'] }, () => {}));
  await ok(agent.up({ spec: stack(), services: ['web'] }, () => {}, signal));
  assert.equal(byName().get('demo-api-1')?.state, 'running');
  assert.equal(byName().get('demo-web-1')?.state, 'running');
  assert.equal(state.isServiceStopped('demo', 'api'), false);
});

test('--force-recreate recreates unchanged containers (of the targets only)', async () => {
  const { agent, byName } = setup();
  await ok(agent.up({ spec: stack() }, () => {}, signal));
  const a = byName();
  await ok(agent.up({ spec: stack() }, () => {}, signal));
  assert.deepEqual(byName(), a, 'a plain re-up touched something');
  await ok(agent.up({ spec: stack(), services: ['api'], forceRecreate: true }, () => {}, signal));
  const b = byName();
  for (const s of ['api', 'db']) assert.notEqual(b.get(`demo-${s}-1`)?.id, a.get(`demo-${s}-1`)?.id, s);
  for (const s of ['web', 'other']) assert.equal(b.get(`demo-${s}-1`)?.id, a.get(`demo-${s}-1`)?.id, s);
  for (const c of b.values()) assert.equal(c.state, 'running');
  await ok(agent.up({ spec: stack(), forceRecreate: true }, () => {}, signal));
  const c = byName();
  for (const [name, { id }] of b) assert.notEqual(c.get(name)?.id, id, name);
  // Forced once: the next pass leaves them.
  await agent.reconciler.request({});
  assert.deepEqual(byName(), c);
});

test('--no-recreate keeps changed containers, also through later passes, until a plain up', async () => {
  const { agent, byName, state, services } = setup();
  await ok(agent.up({ spec: stack() }, () => {}, signal));
  const a = byName();
  const changed = stack({ web: { command: ['sleep', '5'] }, db: { command: ['sleep', '6'] } });
  await ok(agent.up({ spec: changed, noRecreate: true }, () => {}, signal));
  await agent.reconciler.request({});
  assert.deepEqual(byName(), a);
  assert.equal((state.getProject('demo') as ProjectSpec).services.web?.command, undefined);
  // A service new to the state is made from the file.
  const more = { ...changed, services: { ...changed.services, extra: service({ command: ['sleep', '4'] }) } };
  await ok(agent.up({ spec: more, noRecreate: true }, () => {}, signal));
  assert.deepEqual(services(), ['api', 'db', 'extra', 'other', 'web']);
  assert.deepEqual((state.getProject('demo') as ProjectSpec).services.extra?.command, ['sleep', '4']);
  await ok(agent.up({ spec: more }, () => {}, signal));
  const b = byName();
  assert.notEqual(b.get('demo-web-1')?.id, a.get('demo-web-1')?.id);
  assert.notEqual(b.get('demo-db-1')?.id, a.get('demo-db-1')?.id);
  assert.equal(b.get('demo-other-1')?.id, a.get('demo-other-1')?.id);
});

test('-t overrides stop_grace_period for stop, down and the recreations and removals of up', async () => {
  const { agent, runtime } = setup();
  const slow = (extra: Partial<ServiceSpec> = {}) => service({ stop_grace_period: 3_000_000_000, ...extra });
  await ok(agent.up({ spec: project({ web: slow(), gone: slow() }) }, () => {}, signal));
  const graces = () => runtime.stops.splice(0).map((s) => `${s.name}:${s.graceMs}`);

  await ok(agent.stop({ project: 'demo', services: ['web'], timeout: 1 }, () => {}));
  assert.deepEqual(graces(), ['demo-web-1:1000']);
  await ok(agent.start({ project: 'demo', services: [] }, () => {}));
  await ok(agent.stop({ project: 'demo', services: ['web'] }, () => {}));
  assert.deepEqual(graces(), ['demo-web-1:3000']);

  // up -t: a recreated and a removed container.
  await ok(
    agent.up({ spec: project({ web: slow({ command: ['sleep', '2'] }) }), timeout: 2 }, () => {}, signal),
  );
  assert.deepEqual(graces().sort(), ['demo-gone-1:2000']);
  await ok(
    agent.up({ spec: project({ web: slow({ command: ['sleep', '3'] }) }), timeout: 2 }, () => {}, signal),
  );
  assert.deepEqual(graces(), ['demo-web-1:2000']);
  await ok(agent.up({ spec: project({ web: slow() }) }, () => {}, signal));
  assert.deepEqual(graces(), ['demo-web-1:3000']);

  await ok(agent.down({ project: 'demo', timeout: 0 }, () => {}));
  assert.deepEqual(graces(), ['demo-web-1:0']);
  assert.equal(runtime.containers.size, 0);
});

test('--scale overrides deploy.replicas and scale for that up; a plain up goes back to the file', async () => {
  const { agent, runtime, state } = setup();
  const count = (svc: string) =>
    [...runtime.containers.values()].filter((c) => c.info.labels[LABELS.service] === svc).length;
  const spec = project({ web: service({ deploy: { replicas: 2 } }), db: service() });
  await ok(agent.up({ spec, scale: { web: 4, db: 0 } }, () => {}, signal));
  assert.equal(count('web'), 4);
  assert.equal(count('db'), 0);
  await agent.reconciler.request({});
  assert.equal(count('web'), 4);
  await ok(agent.up({ spec }, () => {}, signal));
  assert.equal(count('web'), 2);
  assert.equal(count('db'), 1);
  // A `fizz scale` override in the state would win over the spec: --scale replaces it.
  state.setScale('demo', 'web', 5);
  await ok(agent.up({ spec, scale: { web: 3 } }, () => {}, signal));
  assert.equal(count('web'), 3);
  assert.equal(state.getScale('demo', 'web'), 3);
});

test('up refuses service names (and --scale names) the file lacks, before touching anything', async () => {
  const { agent, runtime, state } = setup();
  const done = await agent.up(
    { spec: stack(), services: ['web', 'nope'], scale: { zip: 1 } },
    () => {},
    signal,
  );
  assert.equal(done.ok, false);
  assert.match(done.errors.join('\n'), /no service "nope", "zip"/);
  assert.equal(state.getProject('demo'), undefined);
  assert.equal(runtime.containers.size, 0);
});

test('the API decoders take the new up and down fields and refuse malformed ones', () => {
  const spec = { name: 'demo', services: {}, networks: {}, volumes: {} };
  const req = decodeUpRequest({
    spec,
    services: ['web'],
    noDeps: true,
    forceRecreate: true,
    noRecreate: false,
    timeout: 3,
    scale: { web: 2 },
  });
  assert.deepEqual(
    { ...req, spec: undefined },
    {
      spec: undefined,
      services: ['web'],
      noDeps: true,
      forceRecreate: true,
      noRecreate: false,
      timeout: 3,
      scale: { web: 2 },
    },
  );
  for (const bad of [
    { services: 'web' },
    { services: [1] },
    { noDeps: 'yes' },
    { forceRecreate: 1 },
    { timeout: -1 },
    { timeout: 1.5 },
    { scale: { web: -1 } },
    { scale: { web: 2.5 } },
    { scale: { web: 10_001 } },
    { scale: [] },
  ])
    assert.throws(() => decodeUpRequest({ spec, ...bad }), { name: 'ApiDecodeError' }, JSON.stringify(bad));
  assert.equal(decodeDownRequest({ project: 'demo', timeout: 0 }).timeout, 0);
  assert.equal(decodeDownRequest({ project: 'demo' }).timeout, undefined);
  assert.throws(() => decodeDownRequest({ project: 'demo', timeout: '1' }), { name: 'ApiDecodeError' });
});
