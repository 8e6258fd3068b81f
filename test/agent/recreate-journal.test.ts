/**
 * `up --force-recreate` is journaled: it writes its services before its pass and clears them
 * after, and an agent started after one was killed half-way recreates and starts them.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FileRecreateJournal, MemoryRecreateJournal } from '../../src/agent/recreate-journal.js';
import { FakeRuntime } from '../../src/runtime/fake.js';
import { newState, ok, project, service, signal, testAgent, until } from './fixtures.js';

test('file journal: entries survive a new instance; a corrupt file reads as empty and is reported', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fz-rj-'));
  try {
    const path = join(dir, 'recreates.json');
    await new FileRecreateJournal(path).add({ project: 'p', services: ['p/a'] });
    assert.deepEqual(new FileRecreateJournal(path).list(), [{ project: 'p', services: ['p/a'] }]);
    const reasons: string[] = [];
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path, '{"recre');
    assert.deepEqual(new FileRecreateJournal(path, (r) => reasons.push(r)).list(), []);
    assert.equal(reasons.length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('up --force-recreate is journaled during its pass and cleared after', async () => {
  const journal = new MemoryRecreateJournal();
  const seen: string[] = [];
  const add = journal.add.bind(journal);
  journal.add = async (e) => {
    seen.push(`add ${e.services.join(',')}`);
    await add(e);
  };
  const { agent } = testAgent({ recreates: journal });
  const spec = project({ db: service(), web: service() });
  try {
    await ok(agent.up({ spec }, () => {}, signal));
    await ok(agent.up({ spec, forceRecreate: true }, () => {}, signal));
    assert.deepEqual(seen, ['add demo/db,demo/web']);
    assert.deepEqual(journal.list(), []);
  } finally {
    await agent.shutdown();
  }
});

test('an agent killed during up --force-recreate: the next agent recreates and starts the journaled services', async () => {
  const runtime = new FakeRuntime();
  const state = newState();
  const spec = project({ db: service(), cache: service(), web: service() });
  const first = testAgent({ runtime, state });
  await ok(first.agent.up({ spec }, () => {}, signal));
  await first.agent.shutdown();
  const before = await runtime.list();
  // What the killed agent left: its journal entry, db and cache stopped (web already remade).
  const journal = new MemoryRecreateJournal();
  await journal.add({ project: 'demo', services: ['demo/db', 'demo/cache', 'demo/web'] });
  for (const c of before) if (c.labels['fizz.service'] !== 'web') await runtime.stop(c.id);
  const second = testAgent({ runtime, state, recreates: journal });
  try {
    await second.agent.run();
    await until(() => journal.list().length === 0, 'the journal to clear');
    const after = await runtime.list();
    assert.deepEqual(
      after.map((c) => c.state),
      ['running', 'running', 'running'],
    );
    for (const c of after) assert.ok(!before.some((b) => b.id === c.id), `${c.name} was recreated`);
  } finally {
    await second.agent.shutdown();
  }
});
