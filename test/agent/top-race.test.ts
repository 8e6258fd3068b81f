/** `fizz top` when a container exits or goes between the listing and its `top`. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EngineUnreachableError } from '../../src/runtime/errors.js';
import { FakeRuntime } from '../../src/runtime/fake.js';
import type { ProcessTable } from '../../src/runtime/types.js';
import { ok, project, service, signal, testAgent } from './fixtures.js';

/** Containers named here exit (or are removed) just before their `top` is answered. */
class RacingRuntime extends FakeRuntime {
  readonly exitBeforeTop = new Set<string>();
  readonly removeBeforeTop = new Set<string>();

  override async top(id: string): Promise<ProcessTable> {
    const c = this.containers.get(id);
    if (c && this.exitBeforeTop.has(c.info.name)) this.exit(id, 0);
    if (c && this.removeBeforeTop.has(c.info.name)) this.containers.delete(id);
    return super.top(id);
  }
}

test('top leaves out a container that exits or is removed after the listing; an engine failure still fails', async () => {
  const { agent, runtime } = testAgent({ runtime: new RacingRuntime() });
  await ok(agent.up({ spec: project({ web: service({ deploy: { replicas: 3 } }) }) }, () => {}, signal));
  try {
    runtime.exitBeforeTop.add('demo-web-1');
    runtime.removeBeforeTop.add('demo-web-3');
    const top = await agent.top('demo', []);
    assert.deepEqual(
      top.containers.map((c) => c.name),
      ['demo-web-2'],
    );
    runtime.failNext('top', new EngineUnreachableError('fake://engine'));
    await assert.rejects(agent.top('demo', []), { name: 'EngineUnreachableError' });
  } finally {
    await agent.shutdown();
  }
});
