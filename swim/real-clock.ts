import { randomBytes } from 'node:crypto';
import type { Clock, Timer } from './clock.js';
import { SeededRandom } from './random.js';

/** Wall-clock time for real deployments. Timers are unref'd: the transport keeps a node alive. */
export class RealClock implements Clock {
  now(): number {
    return Date.now();
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
