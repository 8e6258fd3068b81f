import { randomBytes } from 'node:crypto';
import type { Clock, Timer } from './clock.js';
import { SeededRandom } from './random.js';

/**
 * Real time for deployments. `now()` is monotonic (`performance.now()`, CLOCK_MONOTONIC
 * underneath): every reading in swim/ measures an interval (a suspicion's elapsed time, how
 * long a member has been dead), and a step of the wall clock (NTP, an operator, a resumed
 * VM) must neither time a suspicion out at once nor stretch it. swim/ has no use for wall
 * time. Timers are unref'd: the transport keeps a node alive.
 */
export class RealClock implements Clock {
  now(): number {
    return performance.now();
  }

  schedule<T>(delayMs: number, fn: (arg: T) => void, arg: T): Timer {
    const handle = setTimeout(fn, Math.max(0, delayMs), arg);
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  }
}

/** A generator seeded from the operating system, for real deployments. */
export function systemRandom(): SeededRandom {
  return new SeededRandom(randomBytes(4).readUInt32BE(0));
}
