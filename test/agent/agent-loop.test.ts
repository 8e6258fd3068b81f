/**
 * The agent's loop against FakeRuntime and a real (in-memory) ClusterState: dependency
 * order with health conditions, idempotent re-up, recreate on change, removal, partial
 * failure, adoption after a restart, health restarts with back-off, stop/start, down.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterState } from '../../crdt/index.js';
import type { Agent } from '../../src/agent/agent.js';
import type { DoneEvent, ProgressEvent } from '../../src/api/protocol.js';
import type { ProjectSpec } from '../../src/compose/types.js';
import { FakeRuntime } from '../../src/runtime/fake.js';
import { LABELS } from '../../src/runtime/types.js';
import { newState, project, service, testAgent, until } from './fixtures.js';

const HEALTHCHECK = { test: ['CMD', 'true'], interval: 1_000_000_000 };

function setup(runtime?: FakeRuntime, state?: ClusterState) {
  return testAgent({ runtime, state });
}

async function up(
  agent: Agent,
  spec: ProjectSpec,
  wait = false,
): Promise<{ done: DoneEvent; events: ProgressEvent[] }> {
  const events: ProgressEvent[] = [];
  const done = await agent.up(
    { spec, wait },
    (e) => {
      if (e.type === 'progress') events.push(e);
    },
    new AbortController().signal,
  );
  return { done, events };
}

function byService(runtime: FakeRuntime): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const c of runtime.containers.values()) {
    const s = c.info.labels[LABELS.service]!;
    out.set(s, [...(out.get(s) ?? []), c.info.id]);
  }
  return out;
}

test('up creates the network, every replica, labelled; a service_healthy dependent waits for health', async () => {
  const { agent, runtime, state } = setup();
  const spec = project({
    db: service({ healthcheck: HEALTHCHECK }),
    app: service({
      deploy: { replicas: 2 },
      depends_on: { db: { condition: 'service_healthy', required: true } },
    }),
  });
  const pending = up(agent, spec);
  await until(
    () => byService(runtime).has('db') && runtime.calls.some((c) => c.startsWith('start')),
    'db started',
  );
  await new Promise((r) => setTimeout(r, 50));
  // app's containers may already exist (creating needs no dependency), but none may run yet.
  const appStates = [...runtime.containers.values()]
    .filter((c) => c.info.labels[LABELS.service] === 'app')
    .map((c) => c.info.state);
  assert.ok(
    appStates.every((s) => s === 'created'),
    `app started before db was healthy: ${appStates}`,
  );
  const dbId = byService(runtime).get('db')![0]!;
  runtime.setHealth(dbId, 'healthy');
  const { done, events } = await pending;
  assert.deepEqual(done, { type: 'done', ok: true, errors: [] });
  assert.equal(byService(runtime).get('app')!.length, 2);
  assert.ok(runtime.networks.has('demo_default'));
  const app = [...runtime.containers.values()].find((c) => c.info.name === 'demo-app-2')!;
  assert.equal(app.info.labels[LABELS.slot], '1');
  assert.equal(app.info.labels[LABELS.node], 'n1');
  assert.ok(app.info.labels[LABELS.specHash]);
  assert.ok(events.some((e) => e.name === 'demo-app-1' && e.status === 'waiting'));
  assert.deepEqual(state.listProjects(), ['demo']);
  assert.ok(state.nodeStatuses().get('n1')!.containers.length === 3);
});

test('re-up with nothing changed touches nothing; a changed service is recreated; a removed one removed', async () => {
  const { agent, runtime } = setup();
  const v1 = project({ web: service(), worker: service({ command: ['sleep', '1'] }) });
  assert.equal((await up(agent, v1)).done.ok, true);
  const before = byService(runtime);
  const calls = runtime.calls.length;
  const again = await up(agent, v1);
  assert.equal(again.done.ok, true);
  const mutating = runtime.calls.slice(calls).filter((c) => /^(create|start|stop|remove|restart)/.test(c));
  assert.deepEqual(mutating, []);
  assert.deepEqual(
    again.events.map((e) => `${e.name}:${e.status}`),
    ['demo-web-1:running', 'demo-worker-1:running'],
  );

  const v2 = project({ web: service(), worker: service({ command: ['sleep', '2'] }) });
  assert.equal((await up(agent, v2)).done.ok, true);
  const after = byService(runtime);
  assert.deepEqual(after.get('web'), before.get('web'));
  assert.notDeepEqual(after.get('worker'), before.get('worker'));
  assert.equal(after.get('worker')!.length, 1);

  const v3 = project({ web: service() });
  assert.equal((await up(agent, v3)).done.ok, true);
  assert.deepEqual([...byService(runtime).keys()], ['web']);
});

test('a missing image fails its service by name while the others come up', async () => {
  const { agent, runtime } = setup();
  const spec = project({
    good: service(),
    bad: service({ image: 'fizz/missing:1' }),
    needsBad: service({ depends_on: { bad: { condition: 'service_started', required: true } } }),
  });
  const { done } = await up(agent, spec);
  assert.equal(done.ok, false);
  assert.ok(
    done.errors.some((e) => e.includes('service "bad"') && e.includes('fizz/missing:1')),
    done.errors.join('\n'),
  );
  assert.ok(done.errors.some((e) => e.includes('service "needsBad"') && e.includes('dependency "bad"')));
  const running = [...runtime.containers.values()].filter((c) => c.info.state === 'running');
  assert.deepEqual(
    running.map((c) => c.info.name),
    ['demo-good-1'],
  );
});

test('a taken port fails with the service and port named', async () => {
  const { agent, runtime } = setup();
  runtime.foreignPorts.add('tcp/8080');
  const { done } = await up(
    agent,
    project({
      web: service({ ports: [{ mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' }] }),
    }),
  );
  assert.equal(done.ok, false);
  assert.match(done.errors[0]!, /service "web": port 8080/);
});

test('a new agent on the same state and engine adopts what runs: no twins', async () => {
  const first = setup();
  const spec = project({ web: service({ deploy: { replicas: 3 } }) });
  assert.equal((await up(first.agent, spec)).done.ok, true);
  const ids = [...first.runtime.containers.keys()].sort();
  const second = setup(first.runtime, first.state);
  const calls = first.runtime.calls.length;
  await second.agent.reconciler.request({});
  assert.deepEqual([...first.runtime.containers.keys()].sort(), ids);
  assert.deepEqual(
    first.runtime.calls.slice(calls).filter((c) => /^(create|start|remove)/.test(c)),
    [],
  );
});

test('an unhealthy container is restarted, then left alone until its back-off elapses', async () => {
  const { agent, runtime } = setup();
  assert.equal((await up(agent, project({ web: service({ healthcheck: HEALTHCHECK }) }))).done.ok, true);
  const id = [...runtime.containers.keys()][0]!;
  runtime.setHealth(id, 'unhealthy');
  await agent.reconciler.request({});
  assert.equal(runtime.calls.filter((c) => c.startsWith('restart')).length, 1);
  runtime.setHealth(id, 'unhealthy');
  await agent.reconciler.request({});
  assert.equal(
    runtime.calls.filter((c) => c.startsWith('restart')).length,
    1,
    'restarted again inside its back-off',
  );
});

test('stop keeps the container stopped across passes; start runs it again', async () => {
  const { agent, runtime } = setup();
  assert.equal((await up(agent, project({ web: service(), db: service() }))).done.ok, true);
  const stopped = await agent.stop({ project: 'demo', services: ['web'] }, () => {});
  assert.equal(stopped.ok, true);
  const web = () => [...runtime.containers.values()].find((c) => c.info.name === 'demo-web-1')!;
  assert.equal(web().info.state, 'exited');
  await agent.reconciler.request({});
  assert.equal(web().info.state, 'exited');
  assert.equal((await agent.start({ project: 'demo', services: ['web'] }, () => {})).ok, true);
  assert.equal(web().info.state, 'running');
  const unknown = await agent.stop({ project: 'demo', services: ['nope'] }, () => {});
  assert.match(unknown.errors[0]!, /no service "nope"/);
});

test('a stopped service whose spec changes elsewhere is recreated but stays stopped', async () => {
  const { agent, runtime, state } = setup();
  assert.equal((await up(agent, project({ web: service() }))).done.ok, true);
  assert.equal((await agent.stop({ project: 'demo', services: ['web'] }, () => {})).ok, true);
  const web = () => [...runtime.containers.values()].filter((c) => c.info.name === 'demo-web-1');
  const oldId = web()[0]!.info.id;
  // Another node (or a replay of the log) writes a changed spec; `fizz up` would clear the
  // stop mark, this write does not.
  state.putProject(project({ web: service({ command: ['sleep', '9'] }) }));
  await agent.reconciler.request({});
  assert.equal(web().length, 1);
  assert.notEqual(web()[0]!.info.id, oldId);
  assert.notEqual(web()[0]!.info.state, 'running');
  assert.equal(runtime.calls.filter((c) => c.startsWith('start')).length, 1, runtime.calls.join(' '));
});

test('down removes the project from state, its containers and networks; volumes only with -v', async () => {
  const { agent, runtime, state } = setup();
  const spec = project({
    db: service({ volumes: [{ type: 'volume', source: 'data', target: '/data' }] }),
    web: service({ deploy: { replicas: 2 } }),
  });
  spec.volumes = { data: { name: 'demo_data' } };
  assert.equal((await up(agent, spec)).done.ok, true);
  assert.ok(runtime.volumes.has('demo_data'));
  const done = await agent.down({ project: 'demo', volumes: true }, () => {});
  assert.deepEqual(done, { type: 'done', ok: true, errors: [] });
  assert.equal(runtime.containers.size, 0);
  assert.equal(runtime.networks.size, 0);
  assert.equal(runtime.volumes.size, 0);
  assert.deepEqual(state.listProjects(), []);
});

test('engine unreachable: up fails with the runtime message saying how to start it', async () => {
  const { agent, runtime } = setup();
  runtime.setReachable(false);
  const { done } = await up(agent, project({ web: service() }));
  assert.equal(done.ok, false);
  assert.match(done.errors[0]!, /Docker Engine is not reachable/);
});

test('a dependency scaled down while its dependent changes: the dependent waits only on what stays', async () => {
  const { agent, runtime } = setup();
  const dep = { db: { condition: 'service_healthy' as const, required: true } };
  const v1 = project({ db: service({ deploy: { replicas: 2 } }), app: service({ depends_on: dep }) });
  assert.equal((await up(agent, v1)).done.ok, true);
  const v2 = project({
    db: service({ deploy: { replicas: 1 } }),
    app: service({ depends_on: dep, command: ['changed'] }),
  });
  const { done } = await up(agent, v2);
  assert.deepEqual(done.errors, []);
  assert.deepEqual([...runtime.containers.values()].map((c) => `${c.info.name}:${c.info.state}`).sort(), [
    'demo-app-1:running',
    'demo-db-1:running',
  ]);
});

test('down stops dependents before their dependencies, independent ones in parallel, and removes all', async () => {
  const { agent, runtime } = setup();
  const on = (s: string) => ({ [s]: { condition: 'service_started' as const, required: true } });
  const spec = project({
    db: service(),
    app: service({ depends_on: on('db') }),
    web: service({ depends_on: on('app') }),
    lone: service(),
  });
  assert.equal((await up(agent, spec)).done.ok, true);
  const serviceOf = new Map(
    [...runtime.containers.values()].map((c) => [c.info.id, c.info.labels[LABELS.service]!]),
  );
  const from = runtime.calls.length;
  assert.equal((await agent.down({ project: 'demo' }, () => {})).ok, true);
  const order = (op: string) =>
    runtime.calls
      .slice(from)
      .filter((c) => c.startsWith(`${op} `))
      .map((c) => serviceOf.get(c.slice(op.length + 1)));
  assert.deepEqual(
    order('stop').filter((s) => s !== 'lone'),
    ['web', 'app', 'db'],
  );
  assert.deepEqual(order('remove').sort(), ['app', 'db', 'lone', 'web']);
});

const cycle = (name: string) =>
  project(
    {
      a: service({ depends_on: { b: { condition: 'service_started', required: true } } }),
      b: service({ depends_on: { a: { condition: 'service_started', required: true } } }),
    },
    name,
  );

test('up refuses a spec with a dependency cycle and leaves the state as it was', async () => {
  const { agent, runtime, state } = setup();
  const { done } = await up(agent, cycle('loop'));
  assert.equal(done.ok, false);
  assert.match(done.errors.join('\n'), /project "loop"/);
  assert.equal(state.getProject('loop'), undefined);
  assert.equal(runtime.containers.size, 0);
});

test('an unplannable project written by a peer stops neither the other projects nor loses its containers', async () => {
  const { agent, runtime, state } = setup();
  assert.equal((await up(agent, project({ web: service() }, 'bad'))).done.ok, true);
  const badIds = [...runtime.containers.keys()];
  state.putProject(cycle('bad')); // as if merged from a peer
  const good = await up(agent, project({ web: service() }, 'good'));
  assert.equal(good.done.ok, true, good.done.errors.join('\n'));
  assert.ok(byService(runtime).get('web')!.length === 2, 'good project not started');
  for (const id of badIds)
    assert.ok(runtime.containers.has(id), 'container of the unplannable project removed');
  // And it can still be taken down, without waiting forever on the cycle.
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<'stuck'>((resolve) => {
    timer = setTimeout(() => resolve('stuck'), 20_000);
  });
  try {
    const down = await Promise.race([agent.down({ project: 'bad' }, () => {}), stuck]);
    assert.notEqual(down, 'stuck', 'down of a project with a dependency cycle never ended');
    for (const id of badIds) assert.ok(!runtime.containers.has(id));
  } finally {
    clearTimeout(timer);
    await agent.shutdown();
  }
});

test('a container left created but never started (the agent died before starting it) is made again, not adopted half-made', async () => {
  const runtime = new FakeRuntime();
  const state = newState();
  const spec = project({ web: service() });
  // The first agent creates the container, then dies before its start reaches the engine.
  runtime.failNext('start', new Error('agent killed'));
  const first = setup(runtime, state);
  assert.equal((await up(first.agent, spec)).done.ok, false);
  const [stale] = [...runtime.containers.values()];
  assert.equal(stale?.info.state, 'created');
  // The restarted agent replaces it: one container, a new one, running.
  const second = setup(runtime, state);
  const again = await up(second.agent, spec);
  assert.equal(again.done.ok, true, again.done.errors.join('\n'));
  const now = [...runtime.containers.values()];
  assert.deepEqual(
    now.map((c) => `${c.info.name}:${c.info.state}`),
    ['demo-web-1:running'],
  );
  assert.notEqual(now[0]!.info.id, stale!.info.id);
});

test('restart of a stopped service runs it, and the next pass keeps it running', async () => {
  const { agent, runtime, state } = setup();
  assert.equal((await up(agent, project({ web: service() }))).done.ok, true);
  assert.equal((await agent.stop({ project: 'demo', services: ['web'] }, () => {})).ok, true);
  const web = () => [...runtime.containers.values()].find((c) => c.info.name === 'demo-web-1')!;
  assert.equal(web().info.state, 'exited');
  assert.equal((await agent.restart({ project: 'demo', services: ['web'] }, () => {})).ok, true);
  assert.equal(web().info.state, 'running');
  await agent.reconciler.request({});
  assert.equal(web().info.state, 'running', 'the next pass stopped the restarted service again');
  assert.equal(state.isServiceStopped('demo', 'web'), false);
});

test('restart gives each container its service stop_grace_period, as stop does', async () => {
  const graces: Array<number | undefined> = [];
  class Recording extends FakeRuntime {
    override async restart(id: string, graceMs?: number): Promise<void> {
      graces.push(graceMs);
      return super.restart(id, graceMs);
    }
  }
  const { agent } = setup(new Recording());
  const spec = project({ web: service({ stop_grace_period: 3_000_000_000 }) });
  assert.equal((await up(agent, spec)).done.ok, true);
  assert.equal((await agent.restart({ project: 'demo', services: [] }, () => {})).ok, true);
  assert.deepEqual(graces, [3000]);
});

test('shutdown waits for the pass under way, and later requests are refused', async () => {
  let release = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  let created = false;
  class Slow extends FakeRuntime {
    override async create(req: Parameters<FakeRuntime['create']>[0]): Promise<string> {
      await gate;
      const id = await super.create(req);
      created = true;
      return id;
    }
  }
  const { agent } = setup(new Slow());
  const pending = up(agent, project({ web: service() }));
  await new Promise((r) => setTimeout(r, 50)); // the pass is now blocked in create
  let stopped = false;
  const stopping = agent.shutdown().then(() => {
    stopped = true;
  });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(stopped, false, 'shutdown returned while a pass was still acting on the engine');
  release();
  await stopping;
  assert.equal(created, true);
  await pending;
  const late = await up(agent, project({ web: service() }, 'late'));
  assert.equal(late.done.ok, false);
  assert.match(late.done.errors.join('\n'), /stopping/);
});
