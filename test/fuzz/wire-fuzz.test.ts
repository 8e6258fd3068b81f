/**
 * The bounded random run of the wire decoders in CI: join tokens, SWIM packets (forged on the
 * wire, and by a holder of the key), gossip and sync streams of the state, and the admission
 * handshake's four messages get random, truncated, bit-flipped, spliced and padded input.
 * Each may only decode or raise its own error classes; each runs in a worker that is ended
 * if it does not answer in time (a hang fails the test instead of stalling CI), and one call
 * may take at most CALL_LIMIT_MS.
 *
 * FIZZ_FUZZ_RUNS (inputs per target, default 1000) and FIZZ_FUZZ_SEED make a longer or a
 * replayed run: `FIZZ_FUZZ_RUNS=100000 node --test dist/test/fuzz/wire-fuzz.test.js`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { TARGETS } from './targets.js';
import type { FuzzJob, FuzzReport } from './worker.js';

const RUNS = Number(process.env.FIZZ_FUZZ_RUNS) || 1000;
const SEED = Number(process.env.FIZZ_FUZZ_SEED) || Math.floor(Math.random() * 2 ** 31);
const CALL_LIMIT_MS = 2_000;
/** A whole target's run: generous for a loaded machine; a hang is what it catches. */
const TARGET_LIMIT_MS = 20_000 + RUNS * 20;

function fuzz(job: FuzzJob, limitMs: number): Promise<FuzzReport> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: job });
    const timer = setTimeout(() => {
      void worker.terminate();
      resolve({ runs: -1, maxCallMs: -1, error: `no answer in ${limitMs} ms: a decoder hangs` });
    }, limitMs);
    worker.once('message', (r: FuzzReport) => {
      clearTimeout(timer);
      void worker.terminate();
      resolve(r);
    });
    worker.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

for (const target of Object.keys(TARGETS)) {
  test(`${target}: forged and truncated input raises only its own errors, never hangs`, async (t) => {
    const started = performance.now();
    const r = await fuzz({ target, runs: RUNS, seed: SEED, callLimitMs: CALL_LIMIT_MS }, TARGET_LIMIT_MS);
    t.diagnostic(
      `${target}: ${r.runs} inputs in ${(performance.now() - started).toFixed(0)} ms, slowest call ${r.maxCallMs.toFixed(1)} ms, seed ${SEED}`,
    );
    assert.equal(r.error, undefined, `${r.error} (FIZZ_FUZZ_SEED=${SEED})`);
    assert.equal(r.runs, RUNS);
  });
}
