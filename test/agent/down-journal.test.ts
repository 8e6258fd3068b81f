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
import { ClusterState } from '../../crdt/index.js';
import { type DownJournal, FileDownJournal, MemoryDownJournal } from '../../src/agent/down-journal.js';
import { MemoryProjectFiles } from '../../src/agent/project-files.js';
import type { ProjectSpec } from '../../src/compose/types.js';
import { FakeRuntime } from '../../src/runtime/fake.js';
import { newState, ok, service, signal, testAgent, until } from './fixtures.js';

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

/** A FakeRuntime whose next `projectResources` call, once armed, waits for `release()`. */
class GatedRuntime extends FakeRuntime {
  private gate: { entered: () => void; released: Promise<void> } | undefined;
  release: () => void = () => {};

  /** Resolves once the gated call has begun. */
  arm(): Promise<void> {
    return new Promise((entered) => {
      const released = new Promise<void>((r) => {
        this.release = r;
      });
      this.gate = { entered, released };
    });
  }

  override async projectResources(project: string) {
    const gate = this.gate;
    this.gate = undefined;
    if (gate) {
      gate.entered();
      await gate.released;
    }
    return super.projectResources(project);
  }
}

/** Leaves `demo` as an agent killed half-way through `down -v` does: journaled, containers gone. */
async function interruptedDown(runtime: FakeRuntime, state: ClusterState, downs: DownJournal): Promise<void> {
  const first = testAgent({
    runtime,
    state,
    downs,
    faultPoint: (p) => {
      if (p === 'down-after-containers') throw new Error('killed');
    },
  }).agent;
  await ok(first.up({ spec: demo() }, () => {}, signal));
  await assert.rejects(
    first.down({ project: 'demo', volumes: true }, () => {}),
    /killed/,
  );
  assert.deepEqual(
    downs.list().map((e) => [e.project, e.stateRemoved]),
    [['demo', true]],
  );
}

test('an up that arrives while a resumed down runs waits for it: its network, volume and config files stay', async () => {
  const runtime = new GatedRuntime();
  const state = newState();
  const downs = new MemoryDownJournal();
  const projectFiles = new MemoryProjectFiles();
  await interruptedDown(runtime, state, downs);

  const { agent } = testAgent({ runtime, state, downs, projectFiles });
  try {
    const entered = runtime.arm();
    const resumed = agent.run();
    // The resumed down has removed the containers and is about to remove the network and volume.
    await entered;
    let upEnded = false;
    const up = agent
      .up({ spec: demo(), configFiles: ['/srv/demo/compose.yaml'] }, () => {}, signal)
      .finally(() => {
        upEnded = true;
      });
    // Give an up that does not wait every chance to finish first (it must not; nothing asserted on time).
    await until(() => upEnded, 'up ended', 10, 50).catch(() => {});
    runtime.release();
    await resumed;
    await ok(up);
    assert.deepEqual(state.listProjects(), ['demo']);
    assert.ok(runtime.networks.has('demo_default'), 'network of the up');
    assert.ok(runtime.volumes.has('demo_data'), 'volume of the up');
    assert.equal([...runtime.containers.values()].filter((c) => c.info.state === 'running').length, 3);
    assert.deepEqual(projectFiles.get('demo'), ['/srv/demo/compose.yaml']);
    assert.deepEqual(downs.list(), []);
  } finally {
    await agent.shutdown();
  }
});

test('a journaled down is dropped, not finished, once the state holds the project again (an up on another node)', async () => {
  const runtime = new FakeRuntime();
  const state = newState();
  const downs = new MemoryDownJournal();
  await interruptedDown(runtime, state, downs);
  // Node n2 brings the same project back; its write reaches this node's state.
  const n2 = new ClusterState({ nodeId: 'n2', clock: () => Date.now() });
  n2.applyUpdate(state.encodeUpdate(), 'peer');
  n2.putProject(demo());
  state.applyUpdate(n2.encodeUpdate(), 'peer');
  assert.deepEqual(state.listProjects(), ['demo']);

  const { agent } = testAgent({ runtime, state, downs });
  try {
    await agent.run();
    assert.deepEqual(downs.list(), []);
    assert.deepEqual(state.listProjects(), ['demo']);
    assert.ok(runtime.volumes.has('demo_data'), 'the volume of the project brought back');
  } finally {
    await agent.shutdown();
  }
});

test('a down journaled before it removed the project: finished when the state holds the same spec, dropped for another', async () => {
  for (const [held, finished] of [
    [demo(), true],
    [{ ...demo(), services: { db: demo().services.db! } }, false],
  ] as const) {
    const runtime = new FakeRuntime();
    const state = newState();
    const downs = new MemoryDownJournal();
    state.putProject(held);
    await downs.add({ project: 'demo', volumes: false, spec: demo() });
    const { agent } = testAgent({ runtime, state, downs });
    try {
      await agent.run();
      assert.deepEqual(downs.list(), []);
      assert.deepEqual(state.listProjects(), finished ? [] : ['demo'], `finished: ${finished}`);
    } finally {
      await agent.shutdown();
    }
  }
});
