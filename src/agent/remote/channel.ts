/**
 * Frames over one libp2p stream, for both ends of `/fizz/api/1`: whole frames out with
 * back-pressure and a cap on what may wait to be sent, frames in through the hostile
 * decoder, and a silence limit. The answering side sends a `ping` every `pingMs` while it
 * works, so a reader that hears nothing for `idleMs` knows the other node is gone (killed,
 * cut off) rather than waiting on a container that prints nothing: it aborts the stream.
 */
import type { Stream } from '@libp2p/interface';
import { RemoteFrameError, RemoteLimitError } from './errors.js';
import { encodeRemoteFrame, type RemoteFrame, RemoteFrameDecoder } from './frame.js';

export interface ChannelLimits {
  /** The largest frame accepted. */
  maxFrameBytes: number;
  /** Bytes that may wait to be sent before the stream is given up (a reader that stopped reading). */
  maxQueuedBytes: number;
}

/** What the channel needs of a libp2p stream. */
export type FrameStream = Pick<Stream, 'send' | 'onDrain' | 'close' | 'abort' | 'addEventListener'> &
  AsyncIterable<Uint8Array | { subarray(): Uint8Array }>;

export class FrameChannel {
  private readonly decoder: RemoteFrameDecoder;
  private readonly source: AsyncIterator<Uint8Array | { subarray(): Uint8Array }>;
  private readonly ready: RemoteFrame[] = [];
  private queued = 0;
  private writes: Promise<void> = Promise.resolve();
  private ended = false;
  /** Set once the stream is closed or aborted, by either side. */
  readonly closed: Promise<void>;

  constructor(
    private readonly stream: FrameStream,
    private readonly limits: ChannelLimits,
  ) {
    this.decoder = new RemoteFrameDecoder(limits.maxFrameBytes);
    this.source = stream[Symbol.asyncIterator]();
    this.closed = new Promise((resolve) => stream.addEventListener('close', () => resolve(), { once: true }));
  }

  /**
   * Queues one frame; resolves once it was handed to the stream. Over `maxQueuedBytes`
   * waiting, the stream is aborted and the promise rejects with RemoteLimitError.
   */
  send(frame: RemoteFrame): Promise<void> {
    const bytes = encodeRemoteFrame(frame);
    if (this.queued + bytes.length > this.limits.maxQueuedBytes) {
      const err = new RemoteLimitError(
        'frame-bytes',
        `over ${this.limits.maxQueuedBytes} bytes wait to be sent: the other node does not read`,
      );
      this.abort(err);
      return Promise.reject(err);
    }
    this.queued += bytes.length;
    this.writes = this.writes.then(async () => {
      this.queued -= bytes.length;
      if (!this.stream.send(bytes)) await this.stream.onDrain();
    });
    return this.writes;
  }

  /**
   * The next frame that is not a ping; null at a clean end of stream. Rejects with
   * RemoteLimitError('idle') after `idleMs` without any frame (pings count), having aborted
   * the stream; with RemoteFrameError or RemoteLimitError for bad input.
   */
  async next(idleMs?: number): Promise<RemoteFrame | null> {
    for (;;) {
      const f = this.ready.shift();
      if (f !== undefined) {
        if (f.type === 'ping') continue;
        return f;
      }
      if (this.ended) return null;
      const chunk = await this.read(idleMs);
      if (chunk === null) {
        this.ended = true;
        this.decoder.end();
        return null;
      }
      this.ready.push(...this.decoder.push(chunk));
    }
  }

  private async read(idleMs: number | undefined): Promise<Uint8Array | null> {
    const pull = this.source.next();
    let timer: NodeJS.Timeout | undefined;
    try {
      const r =
        idleMs === undefined
          ? await pull
          : await Promise.race([
              pull,
              new Promise<never>((_, reject) => {
                timer = setTimeout(
                  () => reject(new RemoteLimitError('idle', `nothing heard for ${idleMs} ms`)),
                  idleMs,
                );
              }),
            ]);
      if (r.done) return null;
      return r.value instanceof Uint8Array ? r.value : r.value.subarray();
    } catch (err) {
      if (err instanceof RemoteLimitError) {
        this.abort(err);
        pull.catch(() => {});
        throw err;
      }
      throw new RemoteFrameError(`stream failed: ${(err as Error).message}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes the writing side once every queued frame went out. */
  async close(): Promise<void> {
    await this.writes.catch(() => {});
    await this.stream.close().catch(() => {});
  }

  abort(err: Error): void {
    this.stream.abort(err);
  }
}
