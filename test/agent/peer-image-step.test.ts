/**
 * The image step asks the cluster's other nodes before the registry (FakeRuntime; the peer
 * source is a stand-in that puts the image on the engine, as a load does): a replica whose
 * image a peer sent waits with the reason ps shows meanwhile, is made with it, and the
 * registry is not asked; an image no peer has is
 * pulled; one nobody has fails with a line that says so, and the rest of the project runs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { PeerImageSource } from '../../src/agent/p2p-images/fetch.js';
import type { OpProgress } from '../../src/api/protocol.js';
import { FakeRuntime } from '../../src/runtime/fake.js';
import { LABELS } from '../../src/runtime/types.js';
import { project, service, signal, testAgent } from './fixtures.js';

const REG = '127.0.0.1:5998';

function peers(
  runtime: FakeRuntime,
  held: Map<string, string>,
  during: () => void = () => {},
): PeerImageSource & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    clustered: () => true,
    fetch: async (ref, onProgress) => {
      asked.push(ref);
      const id = held.get(ref);
      if (!id) return undefined;
      onProgress({ node: 'h2', done: 50, total: 100 });
      during();
      runtime.registry.setLocal(ref, id);
      return { node: 'h2', bytes: 100 };
    },
  };
}

test('a peer is asked before the registry; the replica is made with what it sent', async () => {
  const runtime = new FakeRuntime();
  let waiting: unknown[] = [];
  const source = peers(runtime, new Map([[`${REG}/web:1`, 'sha256:beef000000000001']]), () => {
    waiting = agent.reconciler.imageWaits.list();
  });
  const came: string[] = [];
  const { agent } = testAgent({
    runtime,
    peerImages: { peers: source, onImage: (action, ref, detail) => came.push(`${action} ${ref} ${detail}`) },
  });
  runtime.registry.remote.set(`${REG}/web:1`, 'sha256:0000000000000bad');
  const events: OpProgress[] = [];
  const done = await agent.up(
    {
      spec: project({ web: service({ image: `${REG}/web:1` }) }),
      dockerConfig: mkdtempSync(join(tmpdir(), 'fz-')),
    },
    (e) => events.push(e),
    signal,
  );
  assert.deepEqual(done.errors, []);
  assert.deepEqual(source.asked, [`${REG}/web:1`]);
  assert.deepEqual(runtime.registry.pulls, [], 'the registry was not asked');
  assert.deepEqual(came, [`transferred ${REG}/web:1 from h2`], 'an event for the log');
  const made = [...runtime.containers.values()].filter((c) => c.info.labels[LABELS.service] === 'web');
  assert.equal(made.length, 1);
  const lines = events.flatMap((e) =>
    e.type === 'progress' && e.resource === 'image' ? [e.detail ?? e.status] : [],
  );
  assert.ok(lines.includes('from h2 (50%)') && lines.includes('from h2'), JSON.stringify(lines));
  // While it came, the replica waited with the reason `fizz ps` shows; made, it waits no more.
  assert.deepEqual(waiting, [{ slot: 'demo/web/0', reason: 'pulling image from h2 (50%)' }]);
  assert.deepEqual(agent.reconciler.imageWaits.list(), []);
});

test('no peer has it: the registry is asked; nobody has it: the line says so, the rest runs', async () => {
  const runtime = new FakeRuntime();
  const source = peers(runtime, new Map());
  const came: string[] = [];
  const { agent } = testAgent({
    runtime,
    peerImages: { peers: source, onImage: (action, ref) => came.push(`${action} ${ref}`) },
  });
  runtime.registry.remote.set(`${REG}/api:1`, 'sha256:a000000000000001');
  runtime.registry.unreachable.add('127.0.0.1:5997');
  const spec = project({
    api: service({ image: `${REG}/api:1` }),
    gone: service({ image: '127.0.0.1:5997/gone:1' }),
    ok: service({ image: 'fizz/busybox:latest' }),
  });
  const done = await agent.up({ spec, dockerConfig: mkdtempSync(join(tmpdir(), 'fz-')) }, () => {}, signal);
  assert.deepEqual(runtime.registry.pulls.sort(), ['127.0.0.1:5997/gone:1', `${REG}/api:1`]);
  assert.deepEqual(came, [`pulled ${REG}/api:1`], 'only what came is an event');
  assert.equal(done.errors.length, 1);
  assert.match(done.errors[0]!, /service "gone": .*cannot be reached.*; no node of the cluster has it/);
  const running = [...runtime.containers.values()].map((c) => c.info.labels[LABELS.service]).sort();
  assert.deepEqual(running, ['api', 'ok']);
});
