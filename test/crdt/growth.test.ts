/**
 * Growth under control: a document that has seen 100,000 scale changes (from two writers,
 * ten services) and 1,000 up/down cycles of a ten-service project stays small on disk and
 * loads back whole. Sizes and the load time are reported as diagnostics; the assertion is
 * on size only (time on this machine is noisy).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ClusterState, openStore } from '../../crdt/index.js';

const spec = (i: number) => ({
  name: 'web',
  services: Object.fromEntries(
    Array.from({ length: 10 }, (_, k) => [
      `s${k}`,
      { image: `img:${i}`, environment: { A: 'x'.repeat(50) } },
    ]),
  ),
});

test('100,000 scale changes and 1,000 up/down cycles stay small and load back', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fizz-growth-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const time = { t: 1 };
  const store = await openStore(dir, { nodeId: 'a', clock: () => time.t, fsync: false });
  const a = store.state;
  const b = new ClusterState({ nodeId: 'b', clock: () => time.t });
  const sync = () => {
    b.applyUpdate(a.encodeUpdate(b.stateVector()), 'peer');
    a.applyUpdate(b.encodeUpdate(a.stateVector()), 'peer');
  };
  a.putProject(spec(0));
  for (let i = 0; i < 100_000; i++) {
    time.t++;
    (i % 2 ? a : b).setScale('web', `s${i % 10}`, i % 7);
    if (i % 500 === 0) {
      sync();
      await store.flush();
    }
  }
  sync();
  for (let i = 0; i < 1000; i++) {
    time.t++;
    a.putProject(spec(i));
    if (i % 10 === 0) sync();
    time.t++;
    (i % 20 === 0 ? b : a).removeProject('web');
  }
  time.t++;
  a.putProject(spec(1000));
  a.setScale('web', 's3', 4);
  sync();
  await store.compact();
  await store.close();

  const snapBytes = statSync(join(dir, 'state.snap')).size;
  const docBytes = b.encodeUpdate().length;
  const started = performance.now();
  const again = await openStore(dir, { nodeId: 'a', clock: () => time.t, fsync: false });
  const loadMs = performance.now() - started;
  t.diagnostic(`snapshot ${snapBytes} bytes, document ${docBytes} bytes, load ${loadMs.toFixed(1)} ms`);
  assert.deepEqual(again.state.getProject('web'), spec(1000));
  assert.equal(again.state.getScale('web', 's3'), 4);
  assert.equal(
    again.state.getScale('web', 's4'),
    undefined,
    'overrides from before the last removal stay dead',
  );
  assert.ok(snapBytes < 64 * 1024, `snapshot of ${snapBytes} bytes is not small`);
  await again.close();
});
