/**
 * Time handed in to the protocol. Two implementations: `ManualClock` (simulated time,
 * advanced by the test or simulator) and `RealClock` (monotonic real time, the only file in
 * swim/ that touches the system's time and setTimeout).
 */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since an arbitrary origin; monotonic (never steps with the wall clock). */
  now(): number;
  /**
   * Runs `fn(arg)` after `delayMs`. Passing the argument instead of a closure lets hot
   * paths schedule without allocating a function per call.
   */
  schedule<T>(delayMs: number, fn: (arg: T) => void, arg: T): Timer;
}
