import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openStore } from '../../crdt/index.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'fizz-store-removal-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The bytes on disk that still hold `marker`: snapshot and log. */
function onDisk(dir: string, marker: string): { bytes: number; holds: boolean } {
  const snap = readFileSync(join(dir, 'state.snap'));
  const log = readFileSync(join(dir, 'state.log'));
  return { bytes: snap.length + log.length, holds: snap.includes(marker) || log.includes(marker) };
}

for (const size of [5 * 1024 * 1024, 300 * 1024]) {
  test(`a removed project's spec (${size} bytes) leaves the snapshot and the log at once`, async (t) => {
    const dir = tempDir(t);
    let now = 1_000;
    const store = await openStore(dir, { nodeId: 'n1', clock: () => now++ });
    store.state.putProject({ name: 'small', services: { web: { image: 'busybox' } } });
    await store.compact();
    const baseline = onDisk(dir, 'unused-marker').bytes;

    // A marker that occurs nowhere else: its bytes on disk are the project's.
    const marker = 'BLOB-c3-'.repeat(8);
    const blob = `${marker}${'y'.repeat(size)}`;
    store.state.putProject({ name: 'big', services: { web: { image: 'busybox', command: blob } } });
    await store.flush();
    assert.ok(onDisk(dir, marker).holds, 'the spec is on disk while the project is defined');

    store.state.removeProject('big');
    await store.flush();
    const after = onDisk(dir, marker);
    assert.equal(after.holds, false, 'the removed spec is still on disk');
    assert.ok(
      after.bytes < baseline + 1024,
      `disk ${after.bytes} bytes, baseline ${baseline}: the removal left more than a tombstone`,
    );
    assert.ok(statSync(join(dir, 'state.snap')).size < baseline + 1024);
    assert.deepEqual(store.state.listProjects(), ['small']);
    await store.close();

    // Reopened: the removal holds, the other project is intact, nothing is reported lost.
    const again = await openStore(dir, { nodeId: 'n1', clock: () => now++ });
    assert.deepEqual(again.state.listProjects(), ['small']);
    assert.equal(again.state.knowsProject('big'), true);
    assert.deepEqual(again.problems, []);
    await again.close();
  });
}

test('a small store is not compacted on every removal', async (t) => {
  const dir = tempDir(t);
  let now = 1_000;
  const store = await openStore(dir, { nodeId: 'n1', clock: () => now++ });
  store.state.putProject({ name: 'a', services: {} });
  store.state.removeProject('a');
  await store.flush();
  assert.equal(store.stats().compactions, 0);
  await store.close();
});
