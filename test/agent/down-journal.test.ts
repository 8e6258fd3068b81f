/**
 * The down journal: durable across instances, atomic (no temporary file left), tolerant of
 * a corrupt file; and the agent: a down interrupted after its containers went is finished
 * by the next agent's `run()` (networks and, with -v, volumes), an `up` cancels it.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ClusterState } from '../../crdt/index.js';
import { FileDownJournal } from '../../src/agent/down-journal.js';
import type { ProjectSpec } from '../../src/compose/types.js';
import { FakeRuntime } from '../../src/runtime/fake.js';
import { newState, service, testAgent } from './fixtures.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'fz-journal-'));
}

function demo(): ProjectSpec {
  return {
    name: 'demo',
    services: {
      db: service({ volumes: [{ type: 'volume', source: 'data', target: '/data' }] }),
      web: service({
        deploy: { replicas: 2 },
        depends_on: { db: { condition: 'service_started', required: true } },
      }),
    },
    networks: { default: { name: 'demo_default' } },
    volumes: { data: { name: 'demo_data' } },
    secrets: {},
    configs: {},
  };
}

test('file journal: entries survive a new instance, removal is durable, no temporary file is left', async () => {
  const dir = tempDir();
  try {
    const path = join(dir, 'downs.json');
    const a = new FileDownJournal(path);
    assert.deepEqual(a.list(), []);
    await Promise.all([a.add({ project: 'p1', volumes: true }), a.add({ project: 'p2', volumes: false })]);
    const b = new FileDownJournal(path);
    assert.deepEqual(
      b.list().sort((x, y) => x.project.localeCompare(y.project)),
      [
        { project: 'p1', volumes: true },
        { project: 'p2', volumes: false },
      ],
    );
    await b.remove('p1');
    await b.remove('absent');
    assert.deepEqual(new FileDownJournal(path).list(), [{ project: 'p2', volumes: false }]);
    assert.deepEqual(readdirSync(dir), ['downs.json']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('file journal: a corrupt file reads as empty and is reported, then rewritten whole', async () => {
  const dir = tempDir();
  try {
    const path = join(dir, 'downs.json');
    writeFileSync(path, '{"downs": [{"project": "p1", "vol');
    const reasons: string[] = [];
    const j = new FileDownJournal(path, (r) => reasons.push(r));
    assert.deepEqual(j.list(), []);
    assert.equal(reasons.length, 1);
    await j.add({ project: 'p3', volumes: false });
    assert.deepEqual(new FileDownJournal(path).list(), [{ project: 'p3', volumes: false }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function agentOn(
  runtime: FakeRuntime,
  state: ClusterState,
  downs: FileDownJournal,
  faultPoint?: (p: string) => void,
) {
  return testAgent({ runtime, state, downs, ...(faultPoint ? { faultPoint } : {}) }).agent;
}

test('a down interrupted after its containers went is finished by the next agent: networks, volumes, journal', async () => {
  const dir = tempDir();
  const runtime = new FakeRuntime();
  const state = newState();
  try {
    const path = join(dir, 'downs.json');
    const first = agentOn(runtime, state, new FileDownJournal(path), (p) => {
      // The agent "dies" here: nothing after this point of the down runs.
      if (p === 'down-after-containers') throw new Error('killed');
    });
    const up = await first.up({ spec: demo() }, () => {}, new AbortController().signal);
    assert.equal(up.ok, true, up.errors.join('; '));
    assert.ok(runtime.networks.has('demo_default') && runtime.volumes.has('demo_data'));
    await assert.rejects(
      first.down({ project: 'demo', volumes: true }, () => {}),
      /killed/,
    );
    // What an interrupted down leaves: no containers, no project, but the network and volume.
    assert.equal(runtime.containers.size, 0);
    assert.deepEqual(state.listProjects(), []);
    assert.ok(runtime.networks.has('demo_default') && runtime.volumes.has('demo_data'));
    assert.deepEqual(
      new FileDownJournal(path).list().map((e) => [e.project, e.volumes]),
      [['demo', true]],
    );

    const second = agentOn(runtime, state, new FileDownJournal(path));
    try {
      await second.run();
      assert.equal(runtime.networks.size, 0);
      assert.equal(runtime.volumes.size, 0);
      assert.equal(runtime.containers.size, 0);
      assert.deepEqual(new FileDownJournal(path).list(), []);
    } finally {
      await second.shutdown();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a down whose engine calls failed stays journaled; an up of the project cancels it', async () => {
  const dir = tempDir();
  const runtime = new FakeRuntime();
  const state = newState();
  try {
    const path = join(dir, 'downs.json');
    const agent = agentOn(runtime, state, new FileDownJournal(path));
    assert.equal((await agent.up({ spec: demo() }, () => {}, new AbortController().signal)).ok, true);
    runtime.failNext('removeNetwork', new Error('engine hiccup'));
    const down = await agent.down({ project: 'demo' }, () => {});
    assert.equal(down.ok, false);
    assert.deepEqual(
      new FileDownJournal(path).list().map((e) => e.project),
      ['demo'],
    );
    assert.equal((await agent.up({ spec: demo() }, () => {}, new AbortController().signal)).ok, true);
    assert.deepEqual(new FileDownJournal(path).list(), []);
    assert.ok(existsSync(path));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
