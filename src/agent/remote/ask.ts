/**
 * The asking side of `/fizz/api/1`: opens a stream to another node's agent, sends one
 * request and reads the answer as hostile input. Every failure is a RemoteNodeError that
 * names the node: it could not be dialled in `dialTimeoutMs`, went silent for `idleMs`,
 * sent a frame that does not decode, closed the stream early, or answered with an error.
 */
import type { Stream } from '@libp2p/interface';
import type { ExecChunk, ExecSession } from '../../runtime/types.js';
import { FrameChannel } from './channel.js';
import { RemoteNodeError } from './errors.js';
import { REMOTE_API_PROTOCOL } from './frame.js';
import { DATA_CHUNK, type RemoteLimits } from './limits.js';
import type { RemoteRequest } from './request.js';
import { EXEC_STARTED } from './serve.js';

/** Another node, as the fan-out reaches it. */
export interface RemotePeer {
  id: string;
  name: string;
  /** Its libp2p multiaddr (ending in /p2p/<peer id>). */
  addr: string;
}

export interface StreamOpener {
  openStream(addr: string, protocol: string, options?: { signal?: AbortSignal }): Promise<Stream>;
}

export class RemoteApi {
  constructor(
    private readonly host: StreamOpener,
    private readonly limits: RemoteLimits,
  ) {}

  private async open(peer: RemotePeer, req: RemoteRequest): Promise<FrameChannel> {
    let stream: Stream;
    try {
      stream = await this.host.openStream(peer.addr, REMOTE_API_PROTOCOL, {
        signal: AbortSignal.timeout(this.limits.dialTimeoutMs),
      });
    } catch (err) {
      const e = err as Error;
      const why =
        e.name === 'TimeoutError' || e.name === 'AbortError'
          ? `not reachable within ${this.limits.dialTimeoutMs} ms`
          : `not reachable (${e.message})`;
      throw new RemoteNodeError(peer.name, why, undefined, { cause: err });
    }
    const ch = new FrameChannel(stream, this.limits);
    await ch.send({ type: 'request', value: req }).catch((err) => {
      throw this.failure(peer, err);
    });
    return ch;
  }

  private failure(peer: RemotePeer, err: unknown): RemoteNodeError {
    if (err instanceof RemoteNodeError) return err;
    const e = err as Error;
    const why =
      e.name === 'RemoteLimitError' && (e as { limit?: string }).limit === 'idle'
        ? `no answer for ${this.limits.idleMs} ms (the node is down or cut off)`
        : `${e.message}`;
    return new RemoteNodeError(peer.name, why, undefined, { cause: err });
  }

  /**
   * One request; `onEvent` gets each event the node streams (decode it: it is hostile),
   * and the promise the value of its `result` frame. `signal` cuts the stream (the user went away).
   */
  async call(
    peer: RemotePeer,
    req: RemoteRequest,
    onEvent: (value: unknown) => void,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const ch = await this.open(peer, req);
    const cut = () => ch.abort(new Error('the request was cancelled'));
    signal?.addEventListener('abort', cut, { once: true });
    try {
      await ch.close(); // nothing more to send: the answer comes back on the other half
      for (;;) {
        const f = await ch.next(this.limits.idleMs);
        if (f === null) throw new RemoteNodeError(peer.name, 'closed the stream before answering');
        if (f.type === 'event') onEvent(f.value);
        else if (f.type === 'result') return f.value;
        else if (f.type === 'error') throw new RemoteNodeError(peer.name, f.message, f.name);
        else throw new RemoteNodeError(peer.name, `sent an unexpected '${f.type}' frame`);
      }
    } catch (err) {
      ch.abort(err as Error);
      if (signal?.aborted) return undefined;
      throw this.failure(peer, err);
    } finally {
      signal?.removeEventListener('abort', cut);
    }
  }

  /** Starts `req` (an exec) on the node; the session's output, input and exit code go over the stream. */
  async exec(peer: RemotePeer, req: RemoteRequest & { op: 'exec' }): Promise<ExecSession> {
    const ch = await this.open(peer, req);
    try {
      const f = await ch.next(this.limits.idleMs);
      if (f?.type === 'error') throw new RemoteNodeError(peer.name, f.message, f.name);
      const started = f?.type === 'event' && (f.value as { type?: unknown })?.type === EXEC_STARTED.type;
      if (!started) throw new RemoteNodeError(peer.name, 'did not start the command');
    } catch (err) {
      ch.abort(err as Error);
      throw this.failure(peer, err);
    }
    return remoteSession(ch, peer, this.limits.idleMs, (err) => this.failure(peer, err));
  }
}

function remoteSession(
  ch: FrameChannel,
  peer: RemotePeer,
  idleMs: number,
  failure: (err: unknown) => RemoteNodeError,
): ExecSession {
  let exit: number | undefined;
  let error: Error | undefined;
  async function* output(): AsyncGenerator<ExecChunk> {
    try {
      for (;;) {
        const f = await ch.next(idleMs);
        if (f === null) throw new RemoteNodeError(peer.name, 'closed the exec stream before its exit code');
        if (f.type === 'stdout' || f.type === 'stderr') yield { stream: f.type, data: Buffer.from(f.data) };
        else if (f.type === 'exit') {
          exit = f.code;
          await ch.close();
          return;
        } else if (f.type === 'error') throw new RemoteNodeError(peer.name, f.message, f.name);
        else throw new RemoteNodeError(peer.name, `sent an unexpected '${f.type}' frame during an exec`);
      }
    } catch (err) {
      error = failure(err);
      ch.abort(error);
      throw error;
    }
  }
  return {
    output: output(),
    async write(data) {
      for (let at = 0; at < data.length; at += DATA_CHUNK)
        await ch.send({ type: 'stdin', data: data.subarray(at, at + DATA_CHUNK) });
    },
    endInput() {
      void ch.send({ type: 'stdin-end' }).catch(() => {});
    },
    resize: (rows, cols) => ch.send({ type: 'resize', rows, cols }),
    async exitCode() {
      if (exit !== undefined) return exit;
      throw error ?? new RemoteNodeError(peer.name, 'the exec ended without an exit code');
    },
    close() {
      if (exit === undefined) ch.abort(new Error('exec cut by the user'));
    },
  };
}
