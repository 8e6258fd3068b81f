/**
 * The frames of the node-to-node API `/fizz/api/1`, pure. One request per stream:
 *
 *   u32 BE length n | version u8 | type u8 | payload of n - 2 bytes
 *
 * The asking node sends a `request` (JSON `{ op, body }`), for `exec` then `stdin`,
 * `stdin-end` and `resize` frames. The answering node sends `event`s (progress, log lines),
 * for `exec` `stdout`/`stderr`, `ping`s while it works (so silence means a dead peer, see
 * channel.ts), and ends with exactly one of `result` (JSON), `exit` (int32) or `error`
 * (JSON `{ name, message }`). `/fizz/image/1` (src/agent/p2p-images/) uses the same frames,
 * its archive bytes in `data` frames. Every byte is hostile: the decoder raises RemoteFrameError or
 * RemoteLimitError and nothing else, and never buffers more than one frame of the limit.
 */
import { ByteQueue } from '../../net/byte-queue.js';
import { RemoteFrameError, RemoteLimitError } from './errors.js';

export const REMOTE_API_PROTOCOL = '/fizz/api/1';
export const REMOTE_WIRE_VERSION = 1;

export const RF = {
  request: 1,
  event: 2,
  result: 3,
  error: 4,
  ping: 5,
  stdin: 6,
  stdinEnd: 7,
  resize: 8,
  stdout: 9,
  stderr: 10,
  exit: 11,
  data: 12,
} as const;

export type RemoteFrame =
  | { type: 'request' | 'event' | 'result'; value: unknown }
  | { type: 'error'; name: string; message: string }
  | { type: 'ping' | 'stdin-end' }
  | { type: 'stdin' | 'stdout' | 'stderr' | 'data'; data: Uint8Array }
  | { type: 'resize'; rows: number; cols: number }
  | { type: 'exit'; code: number };

const HEAD = 6;

export function encodeRemoteFrame(f: RemoteFrame): Uint8Array {
  let type: number;
  let payload: Uint8Array;
  switch (f.type) {
    case 'request':
    case 'event':
    case 'result':
      type = RF[f.type];
      payload = Buffer.from(JSON.stringify(f.value) ?? 'null', 'utf8');
      break;
    case 'error':
      type = RF.error;
      payload = Buffer.from(JSON.stringify({ name: f.name, message: f.message }), 'utf8');
      break;
    case 'ping':
      type = RF.ping;
      payload = new Uint8Array(0);
      break;
    case 'stdin-end':
      type = RF.stdinEnd;
      payload = new Uint8Array(0);
      break;
    case 'stdin':
    case 'stdout':
    case 'stderr':
    case 'data':
      type = RF[f.type];
      payload = f.data;
      break;
    case 'resize': {
      type = RF.resize;
      const b = Buffer.alloc(4);
      b.writeUInt16BE(clamp16(f.rows));
      b.writeUInt16BE(clamp16(f.cols), 2);
      payload = b;
      break;
    }
    case 'exit': {
      type = RF.exit;
      const b = Buffer.alloc(4);
      b.writeInt32BE(f.code | 0);
      payload = b;
      break;
    }
  }
  const out = new Uint8Array(HEAD + payload.length);
  new DataView(out.buffer).setUint32(0, 2 + payload.length);
  out[4] = REMOTE_WIRE_VERSION;
  out[5] = type;
  out.set(payload, HEAD);
  return out;
}

function clamp16(n: number): number {
  return Math.max(0, Math.min(0xffff, Math.floor(n) || 0));
}

function json(payload: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch (cause) {
    throw new RemoteFrameError(`${what} frame: not JSON`, { cause });
  }
}

function size(payload: Uint8Array, n: number, what: string): void {
  if (payload.length !== n) throw new RemoteFrameError(`${what} frame: ${payload.length} bytes, wants ${n}`);
}

/** One frame's content (after its length prefix). */
export function decodeRemoteFrame(data: Uint8Array): RemoteFrame {
  if (data.length < 2) throw new RemoteFrameError('frame too short');
  if (data[0] !== REMOTE_WIRE_VERSION) throw new RemoteFrameError(`frame of unknown version ${data[0]}`);
  const payload = data.subarray(2);
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  switch (data[1]) {
    case RF.request:
      return { type: 'request', value: json(payload, 'request') };
    case RF.event:
      return { type: 'event', value: json(payload, 'event') };
    case RF.result:
      return { type: 'result', value: json(payload, 'result') };
    case RF.error: {
      const v = json(payload, 'error') as { name?: unknown; message?: unknown } | null;
      if (typeof v !== 'object' || v === null || typeof v.name !== 'string' || typeof v.message !== 'string')
        throw new RemoteFrameError('error frame: not { name, message }');
      return { type: 'error', name: v.name, message: v.message };
    }
    case RF.ping:
      size(payload, 0, 'ping');
      return { type: 'ping' };
    case RF.stdinEnd:
      size(payload, 0, 'stdin-end');
      return { type: 'stdin-end' };
    case RF.stdin:
      return { type: 'stdin', data: payload };
    case RF.stdout:
      return { type: 'stdout', data: payload };
    case RF.stderr:
      return { type: 'stderr', data: payload };
    case RF.data:
      return { type: 'data', data: payload };
    case RF.resize:
      size(payload, 4, 'resize');
      return { type: 'resize', rows: view.getUint16(0), cols: view.getUint16(2) };
    case RF.exit:
      size(payload, 4, 'exit');
      return { type: 'exit', code: view.getInt32(0) };
    default:
      throw new RemoteFrameError(`frame of unknown type ${data[1]}`);
  }
}

/**
 * Splits a byte stream into frames. A declared length over `maxFrameBytes` is refused on its
 * prefix, before the frame is buffered; `end()` says whether the stream stopped inside a frame.
 */
export class RemoteFrameDecoder {
  private readonly queue = new ByteQueue();

  constructor(private readonly maxFrameBytes: number) {}

  push(chunk: Uint8Array): RemoteFrame[] {
    if (chunk.length > 0) this.queue.push(chunk);
    const out: RemoteFrame[] = [];
    for (;;) {
      if (this.queue.size < 4) return out;
      const head = this.queue.peek(4);
      const n = new DataView(head.buffer, head.byteOffset, 4).getUint32(0);
      if (n > this.maxFrameBytes)
        throw new RemoteLimitError(
          'frame-bytes',
          `frame of ${n} bytes is over the ${this.maxFrameBytes} limit`,
        );
      if (this.queue.size < 4 + n) return out;
      out.push(decodeRemoteFrame(this.queue.take(4 + n).subarray(4)));
    }
  }

  /** The stream ended: an error if it did so inside a frame. */
  end(): void {
    if (this.queue.size > 0)
      throw new RemoteFrameError(`stream ended inside a frame (${this.queue.size} bytes buffered)`);
  }
}
