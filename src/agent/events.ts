/**
 * The events `fizz events` shows: a bounded log on each node, and subscribers that follow
 * it. Every node records the whole cluster's events from what it already holds (its SWIM
 * view, the replicated state, the placement it computes: event-sources.ts), so any node
 * answers for the cluster without asking the others.
 */
import type { ClusterEvent, EventsQuery } from '../api/ops-api.js';
import type { Clock } from './clock.js';

/** Events kept per node: about a day of a busy cluster's changes, a few MB at most. */
export const EVENT_LOG_CAPACITY = 10_000;

export type NewEvent = Omit<ClusterEvent, 'time' | 'reporter'> & { time?: number };

/** Whether `e` passes the query's time window and every filter key (values of one key: any). */
export function matches(e: ClusterEvent, q: Pick<EventsQuery, 'since' | 'until' | 'filters'>): boolean {
  if (q.since !== undefined && e.time < q.since) return false;
  if (q.until !== undefined && e.time > q.until) return false;
  for (const [key, values] of Object.entries(q.filters)) {
    const v = (e as unknown as Record<string, unknown>)[key];
    if (v === undefined || !values.includes(String(v))) return false;
  }
  return true;
}

export class EventLog {
  private readonly ring: ClusterEvent[] = [];
  private start = 0;
  private readonly listeners = new Set<(e: ClusterEvent) => void>();

  constructor(
    private readonly clock: Clock,
    /** This node's name, as `reporter` (read at each event: it can change on init/join). */
    private readonly reporter: () => string,
    private readonly capacity = EVENT_LOG_CAPACITY,
  ) {}

  add(e: NewEvent): ClusterEvent {
    const event: ClusterEvent = { ...e, time: e.time ?? this.clock.now(), reporter: this.reporter() };
    if (this.ring.length < this.capacity) this.ring.push(event);
    else {
      this.ring[this.start] = event;
      this.start = (this.start + 1) % this.capacity;
    }
    for (const l of this.listeners) l(event);
    return event;
  }

  /** The kept events, oldest first. */
  all(): ClusterEvent[] {
    return [...this.ring.slice(this.start), ...this.ring.slice(0, this.start)];
  }

  get size(): number {
    return this.ring.length;
  }

  subscribe(fn: (e: ClusterEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * `fizz events`: the kept events the query matches, then (with `follow`, until `until` or
   * the client leaves) each new one as it comes.
   */
  async stream(q: EventsQuery, emit: (e: ClusterEvent) => void, signal: AbortSignal): Promise<void> {
    // Subscribed first, so no event falls between the replay and the follow.
    const queued: ClusterEvent[] = [];
    let wake = () => {};
    const off = this.subscribe((e) => {
      queued.push(e);
      wake();
    });
    try {
      const since = q.since ?? (q.follow ? this.clock.now() : undefined);
      for (const e of this.all()) if (matches(e, { ...q, since })) emit(e);
      if (!q.follow) return;
      while (!signal.aborted) {
        const now = this.clock.now();
        if (q.until !== undefined && now > q.until) return;
        for (const e of queued.splice(0)) if (matches(e, q)) emit(e);
        await new Promise<void>((resolve) => {
          wake = resolve;
          if (queued.length > 0) resolve();
          // Wakes for `until` even when nothing happens.
          if (q.until !== undefined)
            void this.clock.sleep(Math.max(0, q.until - now) + 1, signal).then(resolve);
          signal.addEventListener('abort', () => resolve(), { once: true });
        });
      }
    } finally {
      off();
    }
  }
}
