/**
 * Per-slot memory of failures and health restarts, so the loop retries a failing slot and
 * restarts an unhealthy container with growing pauses instead of on every pass.
 */
import { nextBackoff } from '../reconcile/index.js';

interface Entry {
  attempts: number;
  /** ms since the epoch before which the slot is left alone */
  until: number;
}

export class BackoffBook {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly baseMs: number,
    private readonly capMs: number,
    private readonly random?: () => number,
  ) {}

  /** Records one more failure (or restart) of `key` at `now`. */
  record(key: string, now: number): void {
    const e = this.entries.get(key) ?? { attempts: 0, until: 0 };
    const opts: { baseMs: number; capMs: number; random?: () => number } = {
      baseMs: this.baseMs,
      capMs: this.capMs,
    };
    if (this.random) opts.random = this.random;
    e.until = now + nextBackoff(e.attempts, opts);
    e.attempts++;
    this.entries.set(key, e);
  }

  /** Whether `key` may be tried again at `now`. */
  allowed(key: string, now: number): boolean {
    const e = this.entries.get(key);
    return !e || now >= e.until;
  }

  attempts(key: string): number {
    return this.entries.get(key)?.attempts ?? 0;
  }

  clear(key: string): void {
    this.entries.delete(key);
  }
}
