/**
 * Health: a running container reported `unhealthy` is restarted by the agent (Docker's
 * `restart:` does not do this), at most once per back-off period per slot, the back-off
 * reset once the slot is healthy again.
 */
import type { Action } from '../reconcile/types.js';
import { type ContainerInfo, slotKey } from '../runtime/types.js';
import { BackoffBook } from './backoff-book.js';
import { slotRefOf } from './heal-book.js';

export class HealthRestarts {
  private readonly book: BackoffBook;

  constructor(baseMs: number, capMs: number, random?: () => number) {
    this.book = new BackoffBook(baseMs, capMs, random);
  }

  /** The slots whose unhealthy container may be restarted now (the plan's `restartAllowed`). */
  allowed(actual: ContainerInfo[], now: number): Set<string> {
    const out = new Set<string>();
    for (const c of actual) {
      const ref = slotRefOf(c);
      if (!ref) continue;
      if (c.health === 'healthy') this.book.clear(ref);
      if (c.health === 'unhealthy' && this.book.allowed(ref, now)) out.add(ref);
    }
    return out;
  }

  /** The restarts a pass carried out start their slot's back-off period. */
  record(actions: Action[], done: Set<string>, now: number): void {
    for (const a of actions)
      if (a.kind === 'restart' && done.has(slotKey(a.slot.slot))) this.book.record(slotKey(a.slot.slot), now);
  }
}
