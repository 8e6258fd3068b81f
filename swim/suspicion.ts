import type { Clock, Timer } from './clock.js';

/**
 * Lifeguard's dynamic suspicion timeout. It starts at `max` and shrinks towards `min` as
 * independent confirmations `n` of the suspicion arrive, logarithmically, reaching `min`
 * after `k` confirmations:
 *
 *   timeout(n) = max(min, max − (max − min) · log(n + 1) / log(k + 1))
 *   remaining  = timeout(n) − elapsed
 *
 * Pure: no clock, no state (memberlist's remainingSuspicionTime).
 */
export function remainingSuspicionTime(
  n: number,
  k: number,
  elapsedMs: number,
  minMs: number,
  maxMs: number,
): number {
  const frac = k <= 0 ? 1 : Math.log(n + 1) / Math.log(k + 1);
  const raw = Math.floor(maxMs - frac * (maxMs - minMs));
  const timeout = Math.max(raw, minMs);
  return timeout - elapsedMs;
}

/**
 * The timer around one suspicion. Each new confirmer (a distinct member that also
 * suspects the node) shortens the deadline; `onTimeout` runs once when it passes.
 */
export class Suspicion {
  private readonly confirmers = new Set<string>();
  private readonly start: number;
  private timer: Timer;
  private n = 0;
  private fired = false;

  constructor(
    private readonly clock: Clock,
    /** who raised the suspicion here first; never counted as a confirmation */
    from: string,
    private readonly k: number,
    private readonly minMs: number,
    private readonly maxMs: number,
    private readonly onTimeout: (confirmations: number) => void,
  ) {
    this.start = clock.now();
    this.confirmers.add(from);
    const first = k < 1 ? minMs : maxMs;
    this.timer = clock.schedule(first, Suspicion.fire, this);
  }

  private static fire(s: Suspicion): void {
    if (s.fired) return;
    s.fired = true;
    s.onTimeout(s.n);
  }

  get confirmations(): number {
    return this.n;
  }

  /** Returns true when `from` is a new confirmation (the caller then re-gossips it). */
  confirm(from: string): boolean {
    if (this.fired || this.n >= this.k || this.confirmers.has(from)) return false;
    this.confirmers.add(from);
    this.n++;
    this.timer.cancel();
    const elapsed = this.clock.now() - this.start;
    const remaining = remainingSuspicionTime(this.n, this.k, elapsed, this.minMs, this.maxMs);
    this.timer = this.clock.schedule(Math.max(remaining, 0), Suspicion.fire, this);
    return true;
  }

  cancel(): void {
    this.fired = true;
    this.timer.cancel();
  }
}
