/** A simulation replays exactly from its seed, and a different seed gives another run. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SimCluster } from '../../swim/sim-cluster.js';

function trace(seed: number): string[] {
  const log: string[] = [];
  const c = new SimCluster(
    { nodes: 30, seed, network: { loss: 0.05, duplicate: 0.02, reorder: 0.1, reorderDelayMs: 20 } },
    (s) => {
      for (const ev of ['join', 'suspect', 'alive', 'dead', 'leave', 'update'] as const)
        s.on(ev, (m) => log.push(`${c.clock.now().toFixed(3)} ${s.name} ${ev} ${m.name}@${m.incarnation}`));
    },
  );
  c.run(3000);
  c.kill('n7');
  c.net.stall('n3', 1500, 2);
  c.run(6000);
  c.restart('n7', ['n1']);
  c.node('n2').setMeta({ version: 'x' });
  c.net.partition([['n0', 'n1', 'n2', 'n3', 'n4']]);
  c.run(4000);
  c.net.heal();
  c.run(8000);
  return log;
}

test('the same seed replays event for event', () => {
  const a = trace(1234);
  const b = trace(1234);
  assert.ok(a.length > 100, `a busy run (${a.length} events)`);
  assert.deepEqual(a, b);
});

test('another seed gives another run', () => {
  assert.notDeepEqual(trace(1234), trace(4321));
});
