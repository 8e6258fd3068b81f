import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { nextBackoff } from '../../src/reconcile/backoff.js';

test('without random: base · 2^attempt, capped', () => {
  assert.deepEqual(
    [0, 1, 2, 3, 6, 7, 100, 5000].map((n) => nextBackoff(n)),
    [1000, 2000, 4000, 8000, 60000, 60000, 60000, 60000],
  );
  assert.deepEqual(
    [0, 1, 2, 3].map((n) => nextBackoff(n, { baseMs: 100, capMs: 500 })),
    [100, 200, 400, 500],
  );
});

test('bad attempts count as the first', () => {
  for (const n of [-1, Number.NaN, Number.NEGATIVE_INFINITY]) assert.equal(nextBackoff(n), 1000);
  assert.equal(nextBackoff(Number.POSITIVE_INFINITY), 1000);
  assert.equal(nextBackoff(2.7), 4000);
});

test('jitter takes up to the given fraction off, from the injected random', () => {
  assert.equal(nextBackoff(1, { random: () => 0 }), 2000);
  assert.equal(nextBackoff(1, { random: () => 0.5 }), 1800);
  assert.equal(nextBackoff(1, { random: () => 0.5, jitter: 1 }), 1000);
});

test('property: jittered delay lies in [d·(1−j), d] and never exceeds the cap', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 80 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      (attempt, r, j) => {
        const d = nextBackoff(attempt);
        const got = nextBackoff(attempt, { random: () => r, jitter: j });
        assert.ok(got <= d && got >= d * (1 - j) - 1e-9);
        assert.ok(got <= 60000);
      },
    ),
  );
});
