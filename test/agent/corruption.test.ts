/**
 * The corruption suite: an agent runs two projects (one compacted into the snapshot, one in
 * the log), stops; one file of its home — state log, snapshot, node id, downs.json,
 * config-files.json — is emptied, cut at a random offset, or overwritten with random bytes
 * mid-file; a new agent opens the home (openHome, as the daemon does) and runs passes on
 * the same engine. It must keep every running container as it was, and what it tells the
 * CLI (`info().warnings`) must name what it found. Seeds are printed with each failure.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Agent } from '../../src/agent/agent.js';
import { systemClock } from '../../src/agent/clock.js';
import { openHome } from '../../src/agent/home-state.js';
import { silentLogger } from '../../src/agent/logger.js';
import { homePaths } from '../../src/api/paths.js';
import { place } from '../../src/placement/index.js';
import { FakeRuntime } from '../../src/runtime/fake.js';
import { ok, project, service, signal } from './fixtures.js';

type Damage = 'empty' | 'cut' | 'noise';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function damage(file: string, how: Damage, random: () => number): void {
  const bytes = readFileSync(file);
  if (how === 'empty') {
    writeFileSync(file, '');
    return;
  }
  if (how === 'cut') {
    writeFileSync(file, bytes.subarray(0, Math.floor(random() * bytes.length)));
    return;
  }
  const len = Math.max(1, Math.min(16, bytes.length - 2));
  const at = 1 + Math.floor(random() * Math.max(1, bytes.length - len - 1));
  for (let i = 0; i < len; i++) bytes[at + i] = Math.floor(random() * 256);
  writeFileSync(file, bytes);
}

async function agentOf(home: string, runtime: FakeRuntime) {
  const paths = homePaths(home);
  const opened = await openHome(paths, silentLogger());
  const agent = new Agent({
    nodeId: opened.nodeId,
    home,
    version: 'test',
    state: opened.store.state,
    flush: () => opened.store.flush(),
    runtime,
    clock: systemClock,
    logger: silentLogger(),
    tickMs: 3_600_000,
    pollMs: 5,
    dependencyTimeoutMs: 5_000,
    place,
    downs: opened.downs,
    projectFiles: opened.projectFiles,
    trust: opened.trust,
  });
  const stop = async () => {
    await agent.shutdown();
    await opened.store.close();
  };
  return { agent, opened, stop };
}

/** A home whose agent ran `kept` (compacted), then `fresh` (in the log), then an up+down of `gone`. */
async function preparedHome(runtime: FakeRuntime): Promise<string> {
  const home = mkdtempSync(join(tmpdir(), 'fz-corrupt-'));
  const { agent, opened, stop } = await agentOf(home, runtime);
  const kept = project({ a: service(), b: service({ deploy: { replicas: 2 } }) }, 'kept');
  const fresh = project({ c: service() }, 'fresh');
  const gone = project({ d: service() }, 'gone');
  await ok(agent.up({ spec: kept, configFiles: ['/x/kept.yaml'] }, () => {}, signal));
  await opened.store.compact();
  await ok(agent.up({ spec: fresh, configFiles: ['/x/fresh.yaml'] }, () => {}, signal));
  await ok(agent.up({ spec: gone }, () => {}, signal));
  await ok(agent.down({ project: 'gone' }, () => {}, signal));
  await stop();
  return home;
}

const FILES = [
  'state/state.log',
  'state/state.snap',
  'node-id',
  'state/node-id',
  'downs.json',
  'config-files.json',
] as const;
const DAMAGES: Damage[] = ['empty', 'cut', 'noise'];

for (const file of FILES) {
  test(`corruption: ${file} emptied, cut at random offsets, overwritten mid-file: every running container is kept and the CLI is told`, async () => {
    for (const how of DAMAGES) {
      for (let round = 0; round < (how === 'empty' ? 1 : 4); round++) {
        const seed = (FILES.indexOf(file) + 1) * 1000 + DAMAGES.indexOf(how) * 100 + round;
        const where = `${file} ${how}, seed ${seed}`;
        const runtime = new FakeRuntime();
        const home = await preparedHome(runtime);
        try {
          const before = (await runtime.list()).map((c) => `${c.id} ${c.state}`).sort();
          assert.equal(before.length, 4, where);
          const path = join(home, file);
          assert.ok(existsSync(path) && statSync(path).size > 0, `${where}: the file exists`);
          damage(path, how, rng(seed));
          const { agent, stop } = await agentOf(home, runtime);
          try {
            await agent.run();
            for (let i = 0; i < 3; i++) await agent.reconciler.request({});
            const after = (await runtime.list()).map((c) => `${c.id} ${c.state}`).sort();
            assert.deepEqual(after, before, `${where}: containers changed`);
            const info = await agent.info(false);
            const warnings = (info.warnings ?? []).join('\n');
            const name = file.split('/').pop()!;
            const readable = file.endsWith('.json') ? parses(path) : true;
            // The copy of the node id is made again from node-id itself: nothing to tell.
            const mustTell = file !== 'state/node-id' && (how === 'empty' || !readable);
            if (mustTell) assert.match(warnings, new RegExp(name.replace('.', '\\.')), where);
            if (warnings === '' && !file.endsWith('.json')) {
              // Nothing reported: then nothing the agent acts on may have been lost.
              assert.deepEqual(info.projects, ['fresh', 'kept'], `${where}: lost quietly`);
            }
          } finally {
            await stop();
          }
        } finally {
          rmSync(home, { recursive: true, force: true });
        }
      }
    }
  });
}

function parses(path: string): boolean {
  try {
    JSON.parse(readFileSync(path, 'utf8'));
    return true;
  } catch {
    return false;
  }
}

test('a damaged state: an `up` of a project makes it the desired state again; the others stay kept', async () => {
  const runtime = new FakeRuntime();
  const home = await preparedHome(runtime);
  try {
    writeFileSync(join(home, 'state', 'state.log'), '');
    rmSync(join(home, 'state', 'state.snap'));
    const { agent, stop } = await agentOf(home, runtime);
    try {
      await agent.run();
      await agent.reconciler.request({});
      const warnings = (await agent.info(false)).warnings ?? [];
      assert.match(warnings.join('\n'), /state\.log: empty/);
      assert.match(warnings.join('\n'), /project "kept": the state has no record of it/);
      assert.equal((await runtime.list()).length, 4);
      // `up` of `fresh` with one service fewer than it runs… its own containers follow the file again.
      await ok(agent.up({ spec: project({ e: service() }, 'fresh') }, () => {}, signal));
      const names = (await runtime.list()).map((c) => c.name).sort();
      assert.deepEqual(names, ['fresh-e-1', 'kept-a-1', 'kept-b-1', 'kept-b-2']);
      const after = ((await agent.info(false)).warnings ?? []).join('\n');
      assert.doesNotMatch(after, /state\.log: empty/);
      assert.match(after, /project "kept"/);
    } finally {
      await stop();
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
