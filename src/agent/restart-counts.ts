/**
 * The engine's restart count of this node's containers (`fizz ps`'s RESTARTS), kept between
 * calls so that a `ps` does not inspect every container it lists: one more engine round trip
 * after the list, a few ms on a quiet engine and tens of ms on a busy one.
 *
 * The engine changes a container's count only when it starts it (a restart under the
 * policy adds one, `docker start` sets it to 0), and every start is an engine event: each
 * event of a container drops what is kept of it. An answer whose inspect was under way when
 * an event came is not kept. Events can be missed while the agent's event stream reconnects,
 * so a kept count is trusted for `maxAgeMs` at most.
 */
import type { Clock } from './clock.js';

export class RestartCounts {
  private readonly kept = new Map<string, { count: number; at: number }>();
  /** Engine events seen: an inspect that saw this change under it is not kept. */
  private events = 0;

  constructor(
    private readonly inspect: (id: string) => Promise<{ restartCount?: number } | undefined>,
    private readonly clock: Pick<Clock, 'now'>,
    private readonly maxAgeMs = 5000,
  ) {}

  /** An engine event of the container `id` (start, die, destroy…). */
  onEvent(id: string): void {
    this.events++;
    this.kept.delete(id);
  }

  /** The engine's count of each of `ids`: kept, else inspected (0 when the engine cannot say). */
  async counts(ids: readonly string[]): Promise<Map<string, number>> {
    const now = this.clock.now();
    // Expired counts go, those of containers whose `destroy` was missed with them.
    for (const [id, k] of this.kept) if (now - k.at >= this.maxAgeMs) this.kept.delete(id);
    const seen = this.events;
    const out = new Map<string, number>();
    await Promise.all(
      ids.map(async (id) => {
        const kept = this.kept.get(id);
        if (kept) return out.set(id, kept.count);
        const info = await this.inspect(id).catch(() => undefined);
        const count = info?.restartCount ?? 0;
        if (info && this.events === seen) this.kept.set(id, { count, at: now });
        return out.set(id, count);
      }),
    );
    return out;
  }
}
