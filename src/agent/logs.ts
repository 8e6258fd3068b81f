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
