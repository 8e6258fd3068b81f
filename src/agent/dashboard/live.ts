/**
 * The dashboard's server-sent events: every open page gets the snapshot when it connects and
 * again whenever it changes, and each cluster event as it is logged. One loop computes the
 * snapshot for all pages, and only while at least one is open: at once after an event, at the
 * latest every `refreshMs` (health and state changes that log no event).
 */
import type { ServerResponse } from 'node:http';
import type { ClusterEvent } from '../../api/ops-api.js';
import type { Clock } from '../clock.js';
import type { EventLog } from '../events.js';
import type { Logger } from '../logger.js';
import type { DashboardSnapshot } from './snapshot.js';

export interface DashboardSource {
  snapshot(): Promise<DashboardSnapshot>;
  events: Pick<EventLog, 'all' | 'subscribe'>;
}

export interface LiveOptions {
  source: DashboardSource;
  clock: Clock;
  logger: Logger;
  /** The longest a change without an event waits to be shown, ms (default 1000). */
  refreshMs?: number;
  /** A comment line this often keeps idle connections open through proxies, ms (default 15 s). */
  heartbeatMs?: number;
  /** Open pages at most; more are answered 503 (default 32). */
  maxClients?: number;
  /** Events sent to a page when it connects (default 100). */
  recentEvents?: number;
}

/** A page that reads slower than this many bytes behind is dropped (it reconnects by itself). */
const MAX_BEHIND_BYTES = 1 << 20;

/** A healthcheck's exec_create/start/die every interval would bury the events a person looks for. */
export function shownEvent(e: ClusterEvent): boolean {
  return !(e.type === 'container' && e.action.startsWith('exec_'));
}

/** One server-sent event. Data is JSON: it never holds a raw newline. */
export function sseFrame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}

export class LiveUpdates {
  private readonly clients = new Set<ServerResponse>();
  private loopRun: AbortController | undefined;
  private nap: AbortController | undefined;
  private last = '';
  private lastPing = 0;

  constructor(private readonly o: LiveOptions) {}

  get size(): number {
    return this.clients.size;
  }

  /** Whether the loop runs (it ends soon after the last page closes). */
  get running(): boolean {
    return this.loopRun !== undefined;
  }

  /** Starts the stream on `res`; false (and nothing written) when too many pages are open. */
  add(res: ServerResponse): boolean {
    if (this.clients.size >= (this.o.maxClients ?? 32)) return false;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    const recent = this.o.source.events
      .all()
      .filter(shownEvent)
      .slice(-(this.o.recentEvents ?? 100));
    if (this.last) res.write(sseFrame('snapshot', this.last));
    res.write(sseFrame('events', recent));
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
    if (this.loopRun) this.wake();
    else this.start();
    return true;
  }

  close(): void {
    this.loopRun?.abort();
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private wake(): void {
    this.nap?.abort();
  }

  private start(): void {
    const run = new AbortController();
    this.loopRun = run;
    const off = this.o.source.events.subscribe((e: ClusterEvent) => {
      if (shownEvent(e)) this.broadcast(sseFrame('event', e));
      this.wake();
    });
    void this.loop(run.signal)
      .catch((err: Error) => this.o.logger.warn({ err: err.message }, 'dashboard: live updates stopped'))
      .finally(() => {
        off();
        if (this.loopRun === run) this.loopRun = undefined;
        // A page that came while the loop was ending starts the next one.
        if (this.clients.size > 0 && !run.signal.aborted) this.start();
      });
  }

  private async loop(signal: AbortSignal): Promise<void> {
    const { clock } = this.o;
    while (!signal.aborted && this.clients.size > 0) {
      this.nap = new AbortController();
      const text = await this.compute();
      if (text !== this.last) {
        this.last = text;
        this.broadcast(sseFrame('snapshot', text));
      }
      if (clock.now() - this.lastPing >= (this.o.heartbeatMs ?? 15_000)) {
        this.lastPing = clock.now();
        this.broadcast(': ping\n\n');
      }
      if (this.nap.signal.aborted) continue;
      const nap = this.nap.signal;
      await clock.sleep(this.o.refreshMs ?? 1000, AbortSignal.any([nap, signal]));
    }
  }

  private async compute(): Promise<string> {
    try {
      return JSON.stringify(await this.o.source.snapshot());
    } catch (err) {
      const error = (err as Error).message;
      return JSON.stringify({ error });
    }
  }

  private broadcast(frame: string): void {
    for (const res of this.clients) {
      if (res.writableLength > MAX_BEHIND_BYTES) {
        res.destroy();
        this.clients.delete(res);
        continue;
      }
      res.write(frame);
    }
  }
}
