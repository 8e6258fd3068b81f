/**
 * Runs one fuzz target (targets.ts) in a worker thread, so the test can end it when a
 * decoder hangs in a loop that never yields. Reports how many inputs ran and the slowest
 * call; a failure carries fast-check's seed and the shrunk input.
 */
import { parentPort, workerData } from 'node:worker_threads';
import fc from 'fast-check';
import { hostile, TARGETS } from './targets.js';

export interface FuzzJob {
  target: string;
  runs: number;
  seed: number;
  /** One call slower than this fails the run (a decoder that blows up on crafted sizes). */
  callLimitMs: number;
}

export interface FuzzReport {
  runs: number;
  maxCallMs: number;
  error?: string;
}

class SlowCallError extends Error {
  override readonly name = 'SlowCallError';
}

async function bounded(work: () => unknown, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      Promise.resolve().then(work),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new SlowCallError(`no answer in ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function run(job: FuzzJob): Promise<FuzzReport> {
  const target = TARGETS[job.target];
  if (!target) return { runs: 0, maxCallMs: 0, error: `no fuzz target ${job.target}` };
  let runs = 0;
  let maxCallMs = 0;
  try {
    await fc.assert(
      fc.asyncProperty(hostile(target.valid), async (input) => {
        runs++;
        const t0 = performance.now();
        try {
          await bounded(() => target.check(input), job.callLimitMs);
        } catch (err) {
          const e = err as Error;
          if (!target.own.includes(e?.name))
            throw new Error(`${job.target} raised ${e?.name}: ${e?.message}`, { cause: err });
        }
        const ms = performance.now() - t0;
        maxCallMs = Math.max(maxCallMs, ms);
        if (ms > job.callLimitMs) throw new SlowCallError(`one call took ${ms.toFixed(0)} ms`);
      }),
      { numRuns: job.runs, seed: job.seed },
    );
  } catch (err) {
    return { runs, maxCallMs, error: (err as Error).message };
  }
  return { runs, maxCallMs };
}

if (parentPort) parentPort.postMessage(await run(workerData as FuzzJob));
