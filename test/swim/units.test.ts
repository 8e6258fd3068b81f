/** Tables and properties for the pure parts: suspicion timeout, awareness, queue, formulas, keyring, metadata, clock. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Awareness } from '../../swim/awareness.js';
import type { Timer } from '../../swim/clock.js';
import {
  lanConfig,
  pushPullIntervalMs,
  retransmitLimit,
  suspicionConfirmations,
  suspicionMaxMs,
  suspicionMinMs,
  wanConfig,
} from '../../swim/config.js';
import { Keyring } from '../../swim/keyring.js';
import { ManualClock } from '../../swim/manual-clock.js';
import { decodeMeta, encodeMeta } from '../../swim/metadata.js';
import { BroadcastQueue } from '../../swim/queue.js';
import { SeededRandom } from '../../swim/random.js';
import { remainingSuspicionTime, Suspicion } from '../../swim/suspicion.js';

test('remainingSuspicionTime: memberlist table', () => {
  // [n, k, elapsed, min, max, expected]
  const table: Array<[number, number, number, number, number, number]> = [
    [0, 3, 0, 2000, 30000, 30000],
    [1, 3, 2000, 2000, 30000, 14000],
    [2, 3, 3000, 2000, 30000, 4810],
    [3, 3, 4000, 2000, 30000, -2000],
    [4, 3, 5000, 2000, 30000, -3000],
    [5, 3, 10000, 2000, 30000, -8000],
  ];
  for (const [n, k, e, min, max, want] of table)
    assert.equal(remainingSuspicionTime(n, k, e, min, max), want, `n=${n}`);
});

test('the suspicion timeout never leaves [min, max] and never grows with confirmations', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 20 }),
      fc.integer({ min: 1, max: 10 }),
      fc.integer({ min: 1, max: 10_000 }),
      fc.integer({ min: 1, max: 10 }),
      (n, k, min, mult) => {
        const max = min * mult;
        const t = remainingSuspicionTime(n, k, 0, min, max);
        assert.ok(t >= min && t <= max);
        assert.ok(remainingSuspicionTime(n + 1, k, 0, min, max) <= t);
      },
    ),
  );
});

test('Suspicion: confirmations from distinct members shorten the timer; repeats do not', () => {
  const clock = new ManualClock();
  let fired = -1;
  const s = new Suspicion(clock, 'a', 3, 2000, 30000, (n) => {
    fired = clock.now();
    assert.equal(n, 3);
  });
  clock.advance(1000);
  assert.ok(s.confirm('b'));
  assert.ok(!s.confirm('b'));
  assert.ok(!s.confirm('a'), 'the first accuser is not a confirmation');
  assert.ok(s.confirm('c'));
  assert.ok(s.confirm('d'));
  assert.ok(!s.confirm('e'), 'no more than k');
  clock.advance(999);
  assert.equal(fired, -1);
  clock.advance(1);
  assert.equal(fired, 2000);
});

test('Awareness: bounded score scales timeouts', () => {
  const a = new Awareness(8);
  a.applyDelta(-1);
  assert.equal(a.getHealthScore(), 0);
  a.applyDelta(3);
  assert.equal(a.scaleTimeout(100), 400);
  a.applyDelta(100);
  assert.equal(a.getHealthScore(), 7);
  assert.equal(a.scaleTimeout(100), 800);
});

test('config formulas, and WAN built from LAN', () => {
  const c = lanConfig('x');
  assert.equal(suspicionMinMs(c, 10), 3 * 1 * c.probeInterval);
  assert.equal(suspicionMinMs(c, 1000), 3 * 3 * c.probeInterval);
  assert.equal(suspicionMaxMs(c, 1000), 6 * suspicionMinMs(c, 1000));
  assert.equal(suspicionMaxMs({ ...c, lifeguard: false }, 1000), suspicionMinMs(c, 1000));
  assert.equal(suspicionConfirmations(c, 100), 1);
  assert.equal(suspicionConfirmations(c, 2), 0);
  assert.equal(retransmitLimit(c, 1000), 4 * 4);
  assert.equal(retransmitLimit(c, 9), 4);
  assert.equal(pushPullIntervalMs(c, 32), c.pushPullInterval);
  assert.equal(pushPullIntervalMs(c, 64), 2 * c.pushPullInterval);
  assert.equal(pushPullIntervalMs(c, 1000), 6 * c.pushPullInterval);
  const w = wanConfig('x');
  assert.equal(w.indirectChecks, c.indirectChecks);
  assert.ok(w.probeInterval > c.probeInterval && w.probeTimeout > c.probeTimeout);
});

test('BroadcastQueue: least-sent then newest first, replaced by key, dropped at the limit, packet-size bound', () => {
  const q = new BroadcastQueue();
  const b = (n: number, size = 10) => new Uint8Array(size).fill(n);
  q.queue('a', b(1));
  q.queue('b', b(2));
  q.queue('c', b(3));
  let out: Uint8Array[] = [];
  q.take(out, 25, 0, 2);
  assert.deepEqual(
    out.map((x) => x[0]),
    [3, 2],
    'newest first, within 25 bytes',
  );
  out = [];
  q.take(out, 25, 0, 2);
  assert.deepEqual(
    out.map((x) => x[0]),
    [1, 3],
    'the unsent one first',
  );
  q.queue('a', b(9));
  out = [];
  q.take(out, 100, 0, 2);
  assert.deepEqual(
    out.map((x) => x[0]),
    [9, 2],
    'a replaced; 3 hit its limit',
  );
  out = [];
  q.take(out, 100, 0, 2);
  assert.deepEqual(
    out.map((x) => x[0]),
    [9],
  );
  assert.equal(q.length, 0);
  q.queue('big', b(5, 50));
  out = [];
  q.take(out, 40, 0, 2);
  assert.equal(out.length, 0, 'what does not fit waits');
});

test('Keyring: rotation keeps old packets readable until the old key is removed', () => {
  const k1 = new Uint8Array(32).fill(1);
  const k2 = new Uint8Array(32).fill(2);
  const aad = Buffer.from('cluster');
  const ring = new Keyring([k1]);
  const old = ring.encrypt(Buffer.from('one'), aad);
  ring.addKey(k2);
  ring.useKey(k2);
  const fresh = ring.encrypt(Buffer.from('two'), aad);
  assert.equal(Buffer.from(ring.decrypt(old, aad)).toString(), 'one');
  assert.throws(() => new Keyring([k1]).decrypt(fresh, aad), { name: 'SwimAuthError' });
  assert.throws(() => ring.decrypt(old, Buffer.from('other')), { name: 'SwimAuthError' });
  assert.throws(() => ring.removeKey(k2), { name: 'SwimKeyringError' });
  ring.removeKey(k1);
  assert.throws(() => ring.decrypt(old, aad), { name: 'SwimAuthError' });
  assert.throws(() => new Keyring([new Uint8Array(16)]), { name: 'SwimKeyringError' });
});

test('metadata: size limit and shape are enforced both ways', () => {
  const meta = {
    addresses: { p2p: '10.0.0.1:7946' },
    labels: { zone: 'a' },
    capacity: { cpus: 4 },
    version: '1.0',
  };
  assert.deepEqual(decodeMeta(encodeMeta(meta, 512)), meta);
  assert.throws(() => encodeMeta({ labels: { big: 'x'.repeat(600) } }, 512), { name: 'SwimMetadataError' });
  assert.throws(() => decodeMeta(Buffer.from('{"labels":{"a":1}}')), { name: 'SwimMetadataError' });
  assert.throws(() => decodeMeta(Buffer.from('{"evil":true}')), { name: 'SwimMetadataError' });
  assert.throws(() => decodeMeta(Buffer.from('nope')), { name: 'SwimMetadataError' });
  assert.deepEqual(decodeMeta(new Uint8Array(0)), {});
});

test('ManualClock fires in time order, ties in insertion order, skips cancelled timers', () => {
  const clock = new ManualClock();
  const rnd = new SeededRandom(5);
  const fired: number[] = [];
  const timers: Timer[] = [];
  for (let i = 0; i < 500; i++)
    timers.push(clock.schedule(Math.floor(rnd.next() * 50), (x: number) => fired.push(x), i));
  timers[10]!.cancel();
  clock.advance(100);
  assert.equal(fired.length, 499);
  assert.ok(!fired.includes(10));
  for (let i = 1; i < fired.length; i++) {
    const a = timers[fired[i - 1]!] as unknown as { at: number; seq: number };
    const b = timers[fired[i]!] as unknown as { at: number; seq: number };
    assert.ok(a.at < b.at || (a.at === b.at && a.seq < b.seq), `order at ${i}`);
  }
});
