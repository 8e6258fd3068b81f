/**
 * `fizz scale`, `kill`, `pause`/`unpause`, `top` and `images` on the agent, with FakeRuntime
 * and an in-memory ClusterState; then the same through the local API on a real unix socket.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ClusterState } from '../../crdt/index.js';
import type { Agent } from '../../src/agent/agent.js';
import { killStops } from '../../src/agent/container-ops.js';
import { overridesAfterUp, scaleError } from '../../src/agent/scale.js';
import { AgentClient } from '../../src/api/client.js';
import { decodeKillRequest, decodeScaleRequest } from '../../src/api/decode.js';
import type { OpEvent } from '../../src/api/protocol.js';
import { closeApi, listenApi } from '../../src/api/server.js';
import type { ProjectSpec, ServiceSpec } from '../../src/compose/types.js';
import { FakeRuntime } from '../../src/runtime/fake.js';
import { LABELS } from '../../src/runtime/types.js';
import { service as baseService, newState, ok, project, signal, testAgent } from './fixtures.js';

/** Services here restart always unless told otherwise. */
function service(extra: Partial<ServiceSpec> = {}): ServiceSpec {
  return baseService({ restart: 'always', ...extra });
}

/** web (restart: always, 2 replicas in the file), once (restart: no), alt (restart: always). */
function demo(webReplicas = 2): ProjectSpec {
  return project({
    web: service({ deploy: { replicas: webReplicas }, command: ['httpd', '-f'] }),
    once: service({ restart: 'no' }),
    alt: service({ image: 'other/image:1.2' }),
  });
}

function newAgent(state: ClusterState, runtime: FakeRuntime): Agent {
  return testAgent({ runtime, state, dependencyTimeoutMs: 3_000 }).agent;
}

function setup() {
  const runtime = new FakeRuntime({ images: ['fizz/busybox:latest', 'other/image:1.2'] });
  const state = newState();
  const agent = newAgent(state, runtime);
  const of = (svc: string) =>
    [...runtime.containers.values()]
      .filter((c) => c.info.labels[LABELS.service] === svc)
      .map((c) => c.info)
      .sort((a, b) => a.name.localeCompare(b.name));
  const states = (svc: string) => of(svc).map((c) => c.state);
  return { agent, runtime, state, of, states };
}

test('scale writes the override and the pass brings the service to that many replicas, 0 too', async () => {
  const { agent, state, of, states } = setup();
  await ok(agent.up({ spec: demo() }, () => {}, signal));
  assert.equal(of('web').length, 2);
  const events: OpEvent[] = [];
  await ok(agent.scale({ project: 'demo', scale: { web: 4 } }, (e) => events.push(e)));
  assert.equal(state.getScale('demo', 'web'), 4);
  assert.deepEqual(states('web'), ['running', 'running', 'running', 'running']);
  const lines = events.flatMap((e) => (e.type === 'progress' ? [`${e.name} ${e.status}`] : []));
  assert.ok(lines.includes('demo-web-3 started') && lines.includes('demo-web-4 started'), lines.join(', '));
  assert.ok(lines.includes('demo-web-1 running'), lines.join(', '));
  // The loop keeps it so.
  await agent.reconciler.request({});
  assert.equal(of('web').length, 4);
  await ok(agent.scale({ project: 'demo', scale: { web: 1, alt: 0 } }, () => {}));
  assert.deepEqual(
    of('web').map((c) => c.name),
    ['demo-web-1'],
  );
  assert.equal(of('alt').length, 0);
  assert.equal(state.getScale('demo', 'alt'), 0);
});

test('scale of an unknown service or of a project not up changes nothing', async () => {
  const { agent, runtime, state, of } = setup();
  const none = await agent.scale({ project: 'demo', scale: { web: 3 } }, () => {});
  assert.deepEqual(none.errors, ['project "demo" is not up']);
  await ok(agent.up({ spec: demo() }, () => {}, signal));
  const calls = runtime.calls.length;
  const done = await agent.scale({ project: 'demo', scale: { web: 3, nope: 1 } }, () => {});
  assert.equal(done.ok, false);
  assert.deepEqual(done.errors, ['project "demo" has no service "nope" up (fizz up brings one up)']);
  assert.equal(state.getScale('demo', 'web'), undefined, 'web was scaled though the request was refused');
  assert.equal(of('web').length, 2);
  assert.equal(runtime.calls.length, calls, 'the engine was asked something');
  assert.throws(
    () => decodeScaleRequest({ project: 'demo', scale: { web: -1 } }),
    /ApiDecodeError|whole number/,
  );
  assert.throws(() => decodeScaleRequest({ project: 'demo', scale: { web: 1.5 } }), /whole number/);
  assert.throws(() => decodeScaleRequest({ project: 'demo', scale: {} }), /no service/);
  assert.throws(() => decodeScaleRequest({ project: 'Bad Name', scale: { web: 1 } }), /not a project name/);
});

test('the override is durable: a new agent on the same state keeps the replicas and makes no twins', async () => {
  const { agent, runtime, state, of } = setup();
  await ok(agent.up({ spec: demo() }, () => {}, signal));
  await ok(agent.scale({ project: 'demo', scale: { web: 3 } }, () => {}));
  const ids = of('web').map((c) => c.id);
  await agent.shutdown();
  // The state as a restarted agent reads it from disk: the encoded document.
  const reloaded = newState();
  reloaded.applyUpdate(state.encodeUpdate(), 'disk');
  assert.equal(reloaded.getScale('demo', 'web'), 3);
  const again = newAgent(reloaded, runtime);
  await again.reconciler.request({});
  assert.deepEqual(
    of('web').map((c) => c.id),
    ids,
  );
  await again.shutdown();
});

test('a plain up goes back to the file count; up --scale sets the override; down forgets it', async () => {
  const { agent, state, of } = setup();
  await ok(agent.up({ spec: demo() }, () => {}, signal));
  await ok(agent.scale({ project: 'demo', scale: { web: 5 } }, () => {}));
  assert.equal(of('web').length, 5);
  // `up alt` does not target web: the override stays.
  await ok(agent.up({ spec: demo(), services: ['alt'] }, () => {}, signal));
  assert.equal(of('web').length, 5);
  await ok(agent.up({ spec: demo(3) }, () => {}, signal));
  assert.equal(of('web').length, 3);
  assert.equal(state.getScale('demo', 'web'), 3);
  await ok(agent.up({ spec: demo(3), scale: { web: 1 } }, () => {}, signal));
  assert.equal(of('web').length, 1);
  assert.equal(state.getScale('demo', 'web'), 1);
  await ok(agent.down({ project: 'demo' }, () => {}));
  await ok(agent.up({ spec: demo() }, () => {}, signal));
  assert.equal(state.getScale('demo', 'web'), undefined);
  assert.equal(of('web').length, 2);
});

test('overridesAfterUp and scaleError, as tables', () => {
  const spec = demo(3);
  assert.deepEqual(
    overridesAfterUp(spec, ['web', 'once', 'alt'], (s) => (s === 'web' || s === 'once' ? 7 : undefined)),
    { web: 3, once: 1 },
  );
  assert.deepEqual(
    overridesAfterUp(spec, ['alt'], () => 7),
    { alt: 1 },
  );
  assert.equal(scaleError('demo', spec, { web: 1 }), undefined);
  assert.equal(scaleError('demo', undefined, { web: 1 }), 'project "demo" is not up');
  assert.equal(
    scaleError('demo', spec, { a: 1, b: 2 }),
    'project "demo" has no service "a", "b" up (fizz up brings one up)',
  );
});

test('scale runs a stopped service, as docker compose scale does', async () => {
  const { agent, state, states } = setup();
  await ok(agent.up({ spec: demo() }, () => {}, signal));
  await ok(agent.stop({ project: 'demo', services: ['web'] }, () => {}));
  assert.deepEqual(states('web'), ['exited', 'exited']);
  await ok(agent.scale({ project: 'demo', scale: { web: 3 } }, () => {}));
  assert.equal(state.isServiceStopped('demo', 'web'), false);
  assert.deepEqual(states('web'), ['running', 'running', 'running']);
});

test('a killed container stays exited whatever its restart policy, until up, start or restart', async () => {
  const { agent, runtime, of, states } = setup();
  await ok(agent.up({ spec: demo() }, () => {}, signal));
  const events: OpEvent[] = [];
  await ok(agent.kill({ project: 'demo', services: ['web', 'once'] }, (e) => events.push(e)));
  assert.deepEqual(states('web'), ['exited', 'exited']);
  assert.deepEqual(
    of('web').map((c) => c.exitCode),
    [137, 137],
  );
  assert.deepEqual(states('once'), ['exited']);
  const lines = events.flatMap((e) => (e.type === 'progress' ? [`${e.name} ${e.status}`] : [])).sort();
  assert.deepEqual(lines, [
    'demo-once-1 killed',
    'demo-once-1 killing',
    'demo-web-1 killed',
    'demo-web-1 killing',
    'demo-web-2 killed',
    'demo-web-2 killing',
  ]);
  // restart: always, and the loop runs (as the `die` events make it): still exited.
  await agent.reconciler.request({});
  await agent.reconciler.request({});
  assert.deepEqual(states('web'), ['exited', 'exited']);
  assert.deepEqual(states('alt'), ['running'], 'a service not named was killed');
  // start brings them back, and their policy is in force again.
  await ok(agent.start({ project: 'demo', services: ['web'] }, () => {}));
  assert.deepEqual(states('web'), ['running', 'running']);
  runtime.exit(of('web')[0]!.id, 1);
  await agent.reconciler.request({});
  assert.deepEqual(states('web'), ['running', 'running'], 'restart: always no longer applied');
  // restart releases a hold too; up as well.
  await ok(agent.kill({ project: 'demo', services: ['alt'] }, () => {}));
  await ok(agent.restart({ project: 'demo', services: ['alt'] }, () => {}));
  runtime.exit(of('alt')[0]!.id, 1);
  await agent.reconciler.request({});
  assert.deepEqual(states('alt'), ['running']);
  await ok(agent.kill({ project: 'demo', services: [] }, () => {}));
  assert.deepEqual([...states('web'), ...states('alt')], ['exited', 'exited', 'exited']);
  await ok(agent.up({ spec: demo() }, () => {}, signal));
  assert.deepEqual(
    [...states('web'), ...states('alt'), ...states('once')],
    ['running', 'running', 'running', 'running'],
  );
});

test('kill -s: any signal holds a container without stop_signal (moby ExitOnNext); with one, only it does', async () => {
  const { agent, runtime, of, states } = setup();
  const spec = demo();
  spec.services.alt = service({ image: 'other/image:1.2', stop_signal: 'SIGQUIT' });
  await ok(agent.up({ spec }, () => {}, signal));
  // alt has a stop signal: a SIGHUP it survives leaves its policy in force.
  await ok(agent.kill({ project: 'demo', services: ['alt'], signal: 'SIGHUP' }, () => {}));
  assert.deepEqual(states('alt'), ['running']);
  assert.ok(runtime.calls.some((c) => c.startsWith('kill ') && c.endsWith(' SIGHUP')));
  runtime.exit(of('alt')[0]!.id, 2);
  await agent.reconciler.request({});
  assert.deepEqual(states('alt'), ['running'], 'a SIGHUP held the container exited');
  // web has none: the engine stops its policy on any signal, so the loop holds it too.
  await ok(agent.kill({ project: 'demo', services: ['web'], signal: 'SIGHUP' }, () => {}));
  assert.deepEqual(states('web'), ['running', 'running']);
  runtime.exit(of('web')[0]!.id, 129);
  await agent.reconciler.request({});
  await agent.reconciler.request({});
  assert.deepEqual(
    states('web'),
    ['exited', 'running'],
    'restarted after a kill the engine counts as a stop',
  );
  await ok(agent.start({ project: 'demo', services: ['web'] }, () => {}));
  assert.deepEqual(states('web'), ['running', 'running']);
  // Only running containers are signalled; an exited one is skipped without error.
  await ok(agent.kill({ project: 'demo', services: ['once'] }, () => {}));
  const before = runtime.calls.filter((c) => c.startsWith('kill ')).length;
  await ok(agent.kill({ project: 'demo', services: ['once'] }, () => {}));
  assert.equal(runtime.calls.filter((c) => c.startsWith('kill ')).length, before);
  const bad = await agent.kill({ project: 'demo', services: ['nope'] }, () => {});
  assert.deepEqual(bad.errors, ['project "demo" has no service "nope"']);
  assert.throws(
    () => decodeKillRequest({ project: 'demo', services: [], signal: 'KILL; rm -rf /' }),
    /not a signal/,
  );
  assert.deepEqual(
    decodeKillRequest({ project: 'demo', services: ['web'], signal: 'SIGRTMIN+3' }).signal,
    'SIGRTMIN+3',
  );
  assert.equal(killStops('SIGKILL', undefined), true);
  assert.equal(killStops('9', undefined), true);
  assert.equal(killStops('TERM', undefined), true);
  assert.equal(killStops('SIGHUP', undefined), true);
  assert.equal(killStops('SIGHUP', service()), true);
  assert.equal(killStops('SIGINT', service({ stop_signal: 'SIGINT' })), true);
  assert.equal(killStops('int', service({ stop_signal: 'SIGINT' })), true);
  assert.equal(killStops('SIGTERM', service({ stop_signal: 'SIGINT' })), false);
  assert.equal(killStops('SIGHUP', service({ stop_signal: 'SIGTERM' })), false);
  assert.equal(killStops('15', service({ stop_signal: 'SIGTERM' })), true);
  assert.equal(killStops('SIGKILL', service({ stop_signal: 'SIGTERM' })), true);
});

test('a paused container is left alone by the loop until unpause', async () => {
  const { agent, states } = setup();
  await ok(agent.up({ spec: demo() }, () => {}, signal));
  const events: OpEvent[] = [];
  await ok(agent.pause({ project: 'demo', services: ['web'] }, (e) => events.push(e)));
  assert.deepEqual(states('web'), ['paused', 'paused']);
  assert.ok(events.some((e) => e.type === 'progress' && e.status === 'paused'));
  await agent.reconciler.request({});
  await ok(agent.up({ spec: demo() }, () => {}, signal));
  assert.deepEqual(states('web'), ['paused', 'paused'], 'the loop or up touched a paused container');
  const ps = await agent.ps('demo', false);
  assert.equal(ps.containers.filter((c) => c.state === 'paused').length, 2);
  await ok(agent.unpause({ project: 'demo', services: [] }, () => {}));
  assert.deepEqual(states('web'), ['running', 'running']);
});

test('top lists the processes of running containers; images the image of every container', async () => {
  const { agent, runtime } = setup();
  await ok(agent.up({ spec: demo() }, () => {}, signal));
  await ok(agent.kill({ project: 'demo', services: ['once'] }, () => {}));
  const top = await agent.top('demo', []);
  assert.deepEqual(
    top.containers.map((c) => `${c.name} ${c.processes.map((p) => p.at(-1)).join('|')}`),
    ['demo-alt-1 sh', 'demo-web-1 httpd -f', 'demo-web-2 httpd -f'],
  );
  assert.equal(top.containers[0]?.titles[1], 'PID');
  const onlyWeb = await agent.top('demo', ['web']);
  assert.equal(onlyWeb.containers.length, 2);
  await assert.rejects(agent.top('demo', ['nope']), { name: 'AgentRequestError' });
  await assert.rejects(agent.images('gone', []), { name: 'AgentRequestError' });

  const { images } = await agent.images('demo', []);
  assert.deepEqual(
    images.map((i) => `${i.container} ${i.image} ${i.id.slice(0, 7)}`),
    [
      `demo-alt-1 other/image:1.2 sha256:`,
      `demo-once-1 fizz/busybox:latest sha256:`,
      `demo-web-1 fizz/busybox:latest sha256:`,
      `demo-web-2 fizz/busybox:latest sha256:`,
    ],
  );
  assert.notEqual(images[0]!.id, images[1]!.id);
  assert.ok(images.every((i) => i.size > 0));
  // An image deleted from the machine after its container was made: no id, no size.
  runtime.images.delete('other/image:1.2');
  const after = await agent.images('demo', ['alt']);
  assert.deepEqual(
    after.images.map((i) => [i.id, i.size]),
    [['', 0]],
  );
});

test('scale, kill, pause, top and images through the local API on a unix socket', async () => {
  const { agent, runtime } = setup();
  const dir = mkdtempSync(join(tmpdir(), 'fizz-more-'));
  const socket = join(dir, 'agent.sock');
  const server = await listenApi(socket, agent);
  try {
    const client = new AgentClient(socket);
    const drain = async (events: AsyncIterable<OpEvent>) => {
      const seen: OpEvent[] = [];
      for await (const e of events) seen.push(e);
      return seen;
    };
    await ok(agent.up({ spec: demo() }, () => {}, signal));
    const scaled = await drain(client.scale({ project: 'demo', scale: { web: 3 } }));
    assert.deepEqual(scaled.at(-1), { type: 'done', ok: true, errors: [] });
    const ps = await client.ps('demo', false);
    assert.equal(ps.containers.filter((c) => c.service === 'web').length, 3);
    const refused = await drain(client.scale({ project: 'demo', scale: { zzz: 3 } }));
    assert.deepEqual(refused.at(-1), {
      type: 'done',
      ok: false,
      errors: ['project "demo" has no service "zzz" up (fizz up brings one up)'],
    });
    const killed = await drain(client.kill({ project: 'demo', services: ['alt'], signal: 'SIGKILL' }));
    assert.ok(killed.some((e) => e.type === 'progress' && e.status === 'killed'));
    await drain(client.pause({ project: 'demo', services: ['web'] }));
    assert.equal([...runtime.containers.values()].filter((c) => c.info.state === 'paused').length, 3);
    await drain(client.unpause({ project: 'demo', services: ['web'] }));
    const top = await client.top('demo', ['web']);
    assert.equal(top.containers.length, 3);
    const images = await client.images('demo');
    assert.equal(images.images.length, 5);
    await assert.rejects(client.top('demo', ['nope']), (err: Error & { status?: number }) => {
      assert.equal(err.name, 'AgentApiError');
      assert.match(err.message, /no service "nope"/);
      return true;
    });
    await assert.rejects(
      drain(client.kill({ project: 'demo', services: [], signal: '$(x)' })),
      /not a signal/,
    );
  } finally {
    await closeApi(server, socket);
    await agent.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
});
