/** Merges the output of several containers into one stream of log events. */
import type { LogEvent } from '../api/protocol.js';
import type { LogsQuery } from '../api/server.js';
import { type ContainerInfo, LABELS, type LogLine, type LogOptions, type Runtime } from '../runtime/types.js';

/** Iterates `source` until it ends or `signal` aborts (then closes it). */
async function* untilAborted(source: AsyncIterable<LogLine>, signal: AbortSignal): AsyncGenerator<LogLine> {
  const it = source[Symbol.asyncIterator]();
  const aborted = new Promise<IteratorResult<LogLine>>((resolve) => {
    if (signal.aborted) resolve({ done: true, value: undefined });
    signal.addEventListener('abort', () => resolve({ done: true, value: undefined }), { once: true });
  });
  try {
    for (;;) {
      const r = await Promise.race([it.next(), aborted]);
      if (r.done) return;
      yield r.value;
    }
  } finally {
    void it.return?.()?.catch?.(() => {});
  }
}

export async function mergeLogs(
  runtime: Runtime,
  containers: ContainerInfo[],
  query: Pick<LogsQuery, 'follow' | 'tail'>,
  emit: (event: LogEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  const opts: LogOptions = { follow: query.follow, timestamps: true };
  if (query.tail !== undefined) opts.tail = query.tail;
  await Promise.all(
    containers.map(async (c) => {
      const service = c.labels[LABELS.service] ?? '';
      const replica = Number(c.labels[LABELS.slot] ?? 0);
      try {
        for await (const line of untilAborted(runtime.logs(c.id, opts), signal)) {
          const ev: LogEvent = {
            type: 'log',
            service,
            replica,
            container: c.name,
            stream: line.stream,
            text: line.text,
          };
          if (line.time !== undefined) ev.time = line.time;
          emit(ev);
        }
      } catch {
        // A container removed while its logs are read simply ends its stream.
      }
    }),
  );
}

export interface FollowOptions {
  /** The containers the follow is about (project and services already applied). */
  list: () => Promise<ContainerInfo[]>;
  /** Relists at least this often, ms (engine events relist at once). */
  relistMs: number;
  /** Ends once nothing is followed and nothing of the project runs for this long, ms. */
  idleMs: number;
  now: () => number;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

function emitLine(c: ContainerInfo, line: LogLine, emit: (event: LogEvent) => void): void {
  const ev: LogEvent = {
    type: 'log',
    service: c.labels[LABELS.service] ?? '',
    replica: Number(c.labels[LABELS.slot] ?? 0),
    container: c.name,
    stream: line.stream,
    text: line.text,
  };
  if (line.time !== undefined) ev.time = line.time;
  emit(ev);
}

const LIVE = new Set(['running', 'restarting', 'created', 'paused']);

/**
 * `logs -f`: the output of the containers there now, and of every container of the project
 * that starts later (a recreated or scaled-up replica, a restarted one), found from the
 * engine's `start` events and, should those be missed, by relisting every `relistMs`. A
 * container followed before and started again is read from its last line on, without
 * repeating what was printed. Ends when `signal` aborts, or when nothing has been followed
 * and nothing of the project has been running, created or restarting for `idleMs`.
 */
export async function followLogs(
  runtime: Runtime,
  query: Pick<LogsQuery, 'tail'>,
  emit: (event: LogEvent) => void,
  signal: AbortSignal,
  o: FollowOptions,
): Promise<void> {
  const inner = new AbortController();
  const stopInner = () => inner.abort();
  signal.addEventListener('abort', stopInner, { once: true });
  const streams = new Map<string, Promise<void>>();
  /** The time of the last line printed per container, and when each was first opened. */
  const lastTime = new Map<string, number>();
  const firstOpened = new Map<string, number>();
  let wake: (() => void) | undefined;
  const poke = () => wake?.();

  const open = (c: ContainerInfo, initial: boolean) => {
    const opts: LogOptions = { follow: true, timestamps: true };
    const seen = firstOpened.has(c.id);
    let cutoff: number | undefined;
    if (initial && query.tail !== undefined) opts.tail = query.tail;
    if (seen) {
      // Started again: from where it was left (the engine's `since` has whole seconds).
      cutoff = lastTime.get(c.id) ?? firstOpened.get(c.id)! - 1;
      opts.since = cutoff;
    } else firstOpened.set(c.id, o.now());
    const run = (async () => {
      try {
        for await (const line of untilAborted(runtime.logs(c.id, opts), inner.signal)) {
          if (cutoff !== undefined && line.time !== undefined && line.time <= cutoff) continue;
          if (line.time !== undefined) lastTime.set(c.id, line.time);
          emitLine(c, line, emit);
        }
      } catch {
        // A container removed while its logs are read simply ends its stream.
      } finally {
        streams.delete(c.id);
        poke();
      }
    })();
    streams.set(c.id, run);
  };

  // Engine `start` events make a new container show up at once; the relist is the fallback.
  const watchEvents = (async () => {
    try {
      for await (const ev of runtime.events(inner.signal)) if (ev.action === 'start') poke();
    } catch {
      // No events: the periodic relist still finds new containers.
    }
  })();

  try {
    for (const c of await o.list()) open(c, true);
    let idleSince: number | undefined;
    while (!inner.signal.aborted) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        void o.sleep(o.relistMs, inner.signal).then(resolve);
      });
      wake = undefined;
      if (inner.signal.aborted) break;
      let containers: ContainerInfo[];
      try {
        containers = await o.list();
      } catch {
        continue; // the engine hiccupped: try again at the next wake
      }
      for (const c of containers) if (c.state === 'running' && !streams.has(c.id)) open(c, false);
      if (streams.size > 0 || containers.some((c) => LIVE.has(c.state))) idleSince = undefined;
      else {
        idleSince ??= o.now();
        if (o.now() - idleSince >= o.idleMs) break;
      }
    }
  } finally {
    inner.abort();
    signal.removeEventListener('abort', stopInner);
    await Promise.allSettled([...streams.values(), watchEvents]);
  }
}
