/**
 * Another agent (another FIZZ_HOME, node id n2) runs a project of the same name on the same
 * engine: none of this agent's commands lists, signals, pauses, restarts or reads its
 * containers. Also: a service named like an Object.prototype member (`constructor`) is unknown.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogEvent } from '../../src/api/protocol.js';
import type { FakeRuntime } from '../../src/runtime/fake.js';
import { LABELS } from '../../src/runtime/types.js';
import { ok, project, service, signal, testAgent } from './fixtures.js';

/** A running `demo` container of service web, replica 1, made by node n2. */
async function foreignWeb(runtime: FakeRuntime): Promise<string> {
  const id = await runtime.create({
    slot: { project: 'demo', service: 'web', replica: 0 },
    name: 'demo-web-1-of-n2',
    spec: service({ restart: 'always' }),
    specHash: 'h',
    networks: [],
    volumeNames: {},
    labels: { [LABELS.node]: 'n2' },
  });
  await runtime.start(id);
  return id;
}

function touched(runtime: FakeRuntime, id: string): string[] {
  return runtime.calls.filter((c) => c.endsWith(` ${id}`) && !c.startsWith('inspect '));
}

test('kill, pause, unpause, top, images, restart, ps and logs leave another agent’s containers of the same project alone', async () => {
  const { agent, runtime } = testAgent();
  await ok(agent.up({ spec: project({ web: service({ restart: 'always' }) }) }, () => {}, signal));
  const theirs = await foreignWeb(runtime);
  runtime.write(theirs, 'stdout', 'from n2');
  runtime.calls.length = 0;
  try {
    await ok(agent.pause({ project: 'demo', services: [] }, () => {}));
    await ok(agent.unpause({ project: 'demo', services: ['web'] }, () => {}));
    const top = await agent.top('demo', []);
    assert.deepEqual(
      top.containers.map((c) => c.name),
      ['demo-web-1'],
    );
    const { images } = await agent.images('demo', []);
    assert.deepEqual(
      images.map((i) => i.container),
      ['demo-web-1'],
    );
    await ok(agent.restart({ project: 'demo', services: [] }, () => {}));
    const ps = await agent.ps('demo', true);
    assert.deepEqual(
      ps.containers.map((c) => c.name),
      ['demo-web-1'],
    );
    assert.deepEqual(
      (await agent.ps(undefined, true)).containers.map((c) => c.name),
      ['demo-web-1'],
    );
    const lines: LogEvent[] = [];
    await agent.logs({ project: 'demo', services: [], follow: false }, (e) => lines.push(e), signal);
    assert.ok(!JSON.stringify(lines).includes('from n2'), JSON.stringify(lines));
    await ok(agent.kill({ project: 'demo', services: [] }, () => {}));
    assert.deepEqual(touched(runtime, theirs), []);
    assert.equal(runtime.containers.get(theirs)?.info.state, 'running');
  } finally {
    await agent.shutdown();
  }
});

test('a service named like an Object.prototype member is unknown to up, kill, top and restart', async () => {
  const { agent, state } = testAgent();
  const spec = project({ web: service() });
  const up = await agent.up({ spec, services: ['constructor'] }, () => {}, signal);
  assert.equal(up.ok, false);
  assert.match(up.errors.join(), /no service "constructor"/);
  assert.deepEqual(state.listProjects(), []);
  const scaled = await agent.up({ spec, scale: { toString: 2 } }, () => {}, signal);
  assert.match(scaled.errors.join(), /no service "toString"/);
  await ok(agent.up({ spec }, () => {}, signal));
  try {
    const kill = await agent.kill({ project: 'demo', services: ['constructor'] }, () => {});
    assert.match(kill.errors.join(), /has no service "constructor"/);
    await assert.rejects(agent.top('demo', ['hasOwnProperty']), { name: 'AgentRequestError' });
    const restart = await agent.restart({ project: 'demo', services: ['__proto__'] }, () => {});
    assert.match(restart.errors.join(), /has no service "__proto__"/);
    const stop = await agent.stop({ project: 'demo', services: ['valueOf'] }, () => {});
    assert.match(stop.errors.join(), /has no service "valueOf"/);
    assert.equal(state.isServiceStopped('demo', 'valueOf'), false);
  } finally {
    await agent.shutdown();
  }
});
