/**
 * RealClock measures intervals, not wall time: a step of the system clock (NTP, an operator,
 * a VM resumed) must not shorten or stretch a suspicion. The wall clock is stepped by
 * replacing `Date.now` for the test (restored by the mock); the timers are real.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { RealClock } from '../../swim/real-clock.js';
import { Suspicion } from '../../swim/suspicion.js';

const wall = Date.now;

test('RealClock: a step of the wall clock, forward or back, does not move its time', (t) => {
  const clock = new RealClock();
  const before = clock.now();
  const step = t.mock.method(Date, 'now', () => wall() + 5000);
  const ahead = clock.now();
  assert.ok(ahead - before < 1000, `a +5 s wall step moved the clock by ${ahead - before} ms`);
  step.mock.mockImplementation(() => wall() - 5000);
  const back = clock.now();
  assert.ok(back >= ahead, `a −5 s wall step moved the clock back by ${ahead - back} ms`);
});

test('RealClock: a +5 s wall step during a suspicion leaves its 600 ms timeout at 600 ms', async (t) => {
  const clock = new RealClock();
  const started = performance.now();
  let firedAfter = -1;
  // k = 1: one confirmation takes the timeout from max (3 s) down to min (600 ms).
  const s = new Suspicion(clock, 'a', 1, 600, 3000, () => {
    firedAfter = performance.now() - started;
  });
  t.after(() => s.cancel());
  t.mock.method(Date, 'now', () => wall() + 5000);
  assert.ok(s.confirm('b'));
  await sleep(300);
  assert.equal(firedAfter, -1, 'the suspicion timed out at once: elapsed time was read off the wall clock');
  for (let i = 0; i < 40 && firedAfter < 0; i++) await sleep(50);
  assert.ok(firedAfter >= 590 && firedAfter < 2000, `timed out after ${firedAfter.toFixed(0)} ms`);
});
