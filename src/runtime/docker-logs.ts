/**
 * A container's logs on a real Docker Engine, as lines (demultiplexed unless it has a TTY).
 */
import { Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { FailingCall } from './docker-resources.js';
import { LineQueue } from './lines.js';
import type { InspectData } from './observe.js';
import type { LogLine, LogOptions } from './types.js';

/**
 * Nothing is asked of the engine until the lines are read; stopping the reading early
 * closes the engine's stream.
 */
export function dockerLogs(
  docker: Docker,
  call: FailingCall,
  id: string,
  opts: LogOptions,
): AsyncIterable<LogLine> {
  return {
    [Symbol.asyncIterator]: () => {
      let source: Readable | undefined;
      let closed = false;
      const close = () => {
        closed = true;
        source?.destroy();
      };
      const queue = new LineQueue(id, opts.timestamps ?? false, close);
      pipeLogs(docker, call, id, opts, queue, (s) => {
        source = s;
        if (closed) s.destroy();
      }).then(
        () => queue.end(),
        (err) => queue.end(err),
      );
      const lines = queue[Symbol.asyncIterator]();
      // A reader that stops while a read waits (a quiet container, followed) must not wait
      // for the next line to release the engine's stream: return() would queue behind it.
      return {
        next: () => lines.next(),
        return: (value?: unknown) => {
          close();
          queue.end();
          return lines.return!(value as LogLine);
        },
        throw: (err?: unknown) => {
          close();
          queue.end();
          return lines.throw!(err);
        },
      };
    },
  };
}

async function pipeLogs(
  docker: Docker,
  call: FailingCall,
  id: string,
  opts: LogOptions,
  queue: LineQueue,
  opened: (s: Readable) => void,
): Promise<void> {
  const container = docker.getContainer(id);
  const info = (await call(() => container.inspect(), { container: id })) as unknown as InspectData;
  const params = {
    follow: opts.follow ?? false,
    stdout: true,
    stderr: true,
    timestamps: opts.timestamps ?? false,
    ...(opts.tail === undefined ? {} : { tail: opts.tail }),
    ...(opts.since === undefined ? {} : { since: Math.floor(opts.since / 1000) }),
  };
  // Without follow the engine answers with one buffer, with follow a stream.
  const data = (await call(() => container.logs(params as Docker.ContainerLogsOptions & { follow: false }), {
    container: id,
  })) as unknown as Readable | Buffer;
  const source = Buffer.isBuffer(data) ? Readable.from([data]) : data;
  opened(source);
  const done = new Promise<void>((resolve, reject) => {
    source.on('end', resolve);
    source.on('close', resolve);
    source.on('error', reject);
  });
  // demuxStream only calls write(); writing straight into the queue keeps the order
  // and loses nothing at the end of the stream.
  const out = { write: (c: Buffer) => queue.write('stdout', c) };
  const err = { write: (c: Buffer) => queue.write('stderr', c) };
  if (info.Config?.Tty) source.on('data', (c: Buffer) => queue.write('stdout', c));
  else
    docker.modem.demuxStream(
      source,
      out as unknown as NodeJS.WritableStream,
      err as unknown as NodeJS.WritableStream,
    );
  await done;
}
