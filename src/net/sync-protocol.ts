/**
 * Anti-entropy over `/fizz/sync/1`, one exchange per stream, 1.5 round trips:
 *   initiator → its state vector
 *   responder → the update the initiator lacks, and its own state vector
 *   initiator → the update the responder lacks, then closes
 * After it both replicas hold the union of what they had. Every frame is decoded as
 * hostile input; a bad frame or a bad update fails the exchange with a SyncError, and one
 * over a limit (frame size, bytes held, time) with a SyncLimitError. Either way the stream
 * is reset.
 */
import type { Stream } from '@libp2p/interface';
import { decodeSyncFrame, encodeSyncFrame, FrameReader, type SyncFrame } from './envelope.js';
import { SyncError } from './errors.js';
import { SyncLimitError } from './limits.js';

/** What anti-entropy needs of a replicated document (ClusterState has it). */
export interface ReplicatedDoc {
  stateVector(): Uint8Array;
  encodeUpdate(sinceSv?: Uint8Array): Uint8Array;
  applyUpdate(bytes: Uint8Array, origin: unknown): void;
}

export interface SyncResult {
  sentBytes: number;
  receivedBytes: number;
}

export interface SyncOptions {
  maxFrameBytes: number;
  timeoutMs: number;
  /** Tags the updates applied from this exchange. */
  origin: unknown;
  /** Called with the size of every chunk received before it is buffered; throws to refuse it. */
  hold?: (n: number) => void;
}

export async function initiateSync(
  stream: Stream,
  doc: ReplicatedDoc,
  opts: SyncOptions,
): Promise<SyncResult> {
  return guarded(stream, opts, async (io) => {
    await io.send({ type: 'state-vector', sv: doc.stateVector() });
    const answer = await io.expect('answer');
    apply(doc, answer.update, opts.origin);
    await io.send({ type: 'push', update: doc.encodeUpdate(answer.sv) });
  });
}

export async function respondSync(
  stream: Stream,
  doc: ReplicatedDoc,
  opts: SyncOptions,
): Promise<SyncResult> {
  return guarded(stream, opts, async (io) => {
    const request = await io.expect('state-vector');
    let update: Uint8Array;
    try {
      update = doc.encodeUpdate(request.sv);
    } catch (cause) {
      throw new SyncError('peer sent a state vector that does not decode', { cause });
    }
    await io.send({ type: 'answer', update, sv: doc.stateVector() });
    const push = await io.expect('push');
    apply(doc, push.update, opts.origin);
  });
}

function apply(doc: ReplicatedDoc, update: Uint8Array, origin: unknown): void {
  try {
    doc.applyUpdate(update, origin);
  } catch (cause) {
    // ClusterState applied the update and then a change listener threw: not the peer's doing.
    if ((cause as Error)?.name === 'ListenerError')
      throw new SyncError(
        `the update was applied, but a change listener threw: ${(cause as Error).message}`,
        {
          cause,
        },
      );
    throw new SyncError(`peer sent an update of ${update.length} bytes that does not decode`, { cause });
  }
}

interface FrameIO {
  send(frame: SyncFrame): Promise<void>;
  expect<T extends SyncFrame['type']>(type: T): Promise<Extract<SyncFrame, { type: T }>>;
}

async function guarded(
  stream: Stream,
  opts: SyncOptions,
  body: (io: FrameIO) => Promise<void>,
): Promise<SyncResult> {
  const result: SyncResult = { sentBytes: 0, receivedBytes: 0 };
  const reader = new FrameReader(stream[Symbol.asyncIterator](), opts.maxFrameBytes, opts.hold);
  const io: FrameIO = {
    async send(frame) {
      const bytes = encodeSyncFrame(frame);
      // The peer would refuse it anyway; say why here.
      if (bytes.length - 4 > opts.maxFrameBytes)
        throw new SyncLimitError(
          'frame-bytes',
          `our '${frame.type}' frame of ${bytes.length - 4} bytes is over the ${opts.maxFrameBytes} limit`,
        );
      result.sentBytes += bytes.length;
      if (!stream.send(bytes)) await stream.onDrain();
    },
    async expect(type) {
      const raw = await reader.next();
      if (raw === null) throw new SyncError(`stream closed while waiting for a '${type}' frame`);
      result.receivedBytes += raw.length + 4;
      const frame = decodeSyncFrame(raw);
      if (frame.type !== type) throw new SyncError(`expected a '${type}' frame, got '${frame.type}'`);
      return frame as Extract<SyncFrame, { type: typeof type }>;
    },
  };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new SyncLimitError('timeout', `sync took over ${opts.timeoutMs} ms`)),
      opts.timeoutMs,
    );
  });
  try {
    // Closing waits on the peer too, so it runs under the same deadline.
    await Promise.race([body(io).then(() => stream.close()), timeout]);
    return result;
  } catch (err) {
    stream.abort(err instanceof Error ? err : new Error(String(err)));
    throw err instanceof SyncError || err instanceof SyncLimitError
      ? err
      : new SyncError(`sync failed: ${(err as Error).message}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}
