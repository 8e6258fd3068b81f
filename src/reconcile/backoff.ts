/** Back-off between restarts of an unhealthy container: exponential, capped, jittered. */

export interface BackoffOptions {
  /** Delay after the first failure (attempt 0), ms. Default 1000. */
  baseMs?: number;
  /** Upper bound of the delay before jitter, ms. Default 60000. */
  capMs?: number;
  /** Fraction of the delay that is random: the delay lies in [d·(1−j), d]. Default 0.2. */
  jitter?: number;
  /** Uniform in [0, 1); handed in so simulations replay. Without it, no jitter. */
  random?: () => number;
}

/** d = min(cap, base · 2^attempt); the result lies in [d·(1 − jitter), d]. */
export function nextBackoff(attempt: number, opts: BackoffOptions = {}): number {
  const base = opts.baseMs ?? 1000;
  const cap = opts.capMs ?? 60_000;
  const jitter = Math.min(1, Math.max(0, opts.jitter ?? 0.2));
  const n = Number.isFinite(attempt) && attempt > 0 ? Math.floor(attempt) : 0;
  // 2^n overflows to Infinity for large n; min() then gives cap, as wanted.
  const d = Math.min(cap, base * 2 ** Math.min(n, 1024));
  if (!opts.random) return d;
  const r = Math.min(1, Math.max(0, opts.random()));
  return d * (1 - jitter * r);
}
