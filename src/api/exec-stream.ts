/**
 * The `fizz exec` wire format on the local API. The CLI asks `GET /v1/exec` with
 * `Upgrade: fizz-exec/2` and sends the request right after its headers, as a `request` frame
 * (not in the URL: a long command line or many `-e` values would pass Node's 16 KiB header
 * limit). The agent either answers with a JSON error (unknown service, no running container,
 * …) or `101 Switching Protocols`, after which both sides send frames: a type byte, the
 * payload length (uint32 big-endian), the payload.
 *
 * CLI → agent: the request (first, once), stdin data, end of stdin, terminal size.
 * Agent → CLI: stdout, stderr (already demultiplexed), then either the exit code or an error,
 * and the connection closes.
 */
import { ApiDecodeError } from './errors.js';
import type { ExecRequest } from './protocol.js';

export const EXEC_UPGRADE = 'fizz-exec/2';

export const FRAME = {
  stdin: 0,
  stdout: 1,
  stderr: 2,
  /** Payload: the exit code, int32 big-endian. */
  exit: 3,
  /** Payload: a message (UTF-8); the command's fate is unknown. */
  error: 4,
  /** No payload: the command reads end of file. */
  stdinEnd: 5,
  /** Payload: rows, cols (uint16 big-endian each). */
  resize: 6,
  /** Payload: the ExecRequest as JSON (UTF-8); the client's first frame, sent once. */
  request: 7,
} as const;

export type FrameType = (typeof FRAME)[keyof typeof FRAME];

export interface Frame {
  type: FrameType;
  payload: Buffer;
}

const HEADER = 5;
/** Larger frames are refused: a peer cannot make the other side buffer without bound. */
export const MAX_FRAME = 1 << 20;

export function encodeFrame(type: FrameType, payload: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(HEADER);
  header[0] = type;
  header.writeUInt32BE(payload.length, 1);
  return Buffer.concat([header, payload]);
}

export function exitFrame(code: number): Buffer {
  const p = Buffer.alloc(4);
  p.writeInt32BE(code);
  return encodeFrame(FRAME.exit, p);
}

export function resizeFrame(rows: number, cols: number): Buffer {
  const p = Buffer.alloc(4);
  p.writeUInt16BE(Math.max(0, Math.min(0xffff, rows)));
  p.writeUInt16BE(Math.max(0, Math.min(0xffff, cols)), 2);
  return encodeFrame(FRAME.resize, p);
}

const TYPES = new Set<number>(Object.values(FRAME));

/** Splits a byte stream into frames; a frame of unknown type, too large or malformed is an ApiDecodeError. */
export class FrameDecoder {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: Frame[] = [];
    while (this.pending.length >= HEADER) {
      const type = this.pending[0]!;
      const size = this.pending.readUInt32BE(1);
      if (!TYPES.has(type)) throw new ApiDecodeError(`exec frame: unknown type ${type}`);
      if (size > MAX_FRAME) throw new ApiDecodeError(`exec frame: ${size} bytes is too large`);
      if ((type === FRAME.exit || type === FRAME.resize) && size !== 4)
        throw new ApiDecodeError(`exec frame: type ${type} wants 4 bytes, not ${size}`);
      if (this.pending.length < HEADER + size) break;
      const payload = Buffer.from(this.pending.subarray(HEADER, HEADER + size));
      this.pending = this.pending.subarray(HEADER + size);
      out.push({ type: type as FrameType, payload });
    }
    return out;
  }

  /** Bytes of an unfinished frame. */
  get leftover(): number {
    return this.pending.length;
  }
}

/** The request frame the client sends right after the upgrade's headers. */
export function encodeExecRequest(req: ExecRequest): Buffer {
  return encodeFrame(FRAME.request, Buffer.from(JSON.stringify(req), 'utf8'));
}

const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]*$/;

/** The request from the payload of a `request` frame; every field is checked. */
export function decodeExecRequest(payload: Buffer): ExecRequest {
  let v: unknown;
  try {
    v = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    throw new ApiDecodeError('exec: the request is not JSON', { cause: err });
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new ApiDecodeError('exec: not an object');
  const o = v as Record<string, unknown>;
  const s = (k: string) => {
    if (typeof o[k] !== 'string') throw new ApiDecodeError(`exec.${k}: not a string`);
    return o[k] as string;
  };
  const list = (k: string) => {
    const l = o[k];
    if (!Array.isArray(l) || !l.every((x) => typeof x === 'string'))
      throw new ApiDecodeError(`exec.${k}: not a list of strings`);
    return l as string[];
  };
  const bool = (k: string) => {
    if (typeof o[k] !== 'boolean') throw new ApiDecodeError(`exec.${k}: not a boolean`);
    return o[k] as boolean;
  };
  const project = s('project');
  if (!PROJECT_NAME.test(project)) throw new ApiDecodeError('exec.project: not a project name');
  const index = o.index;
  if (typeof index !== 'number' || !Number.isInteger(index) || index < 1)
    throw new ApiDecodeError('exec.index: not a replica number (1, 2, …)');
  const command = list('command');
  if (command.length === 0) throw new ApiDecodeError('exec.command: empty');
  const env = list('env');
  if (!env.every((e) => /^[^=]+=/.test(e))) throw new ApiDecodeError('exec.env: an entry is not KEY=VALUE');
  const req: ExecRequest = {
    project,
    service: s('service'),
    index,
    command,
    tty: bool('tty'),
    detach: bool('detach'),
    env,
  };
  if (o.user !== undefined) req.user = s('user');
  if (o.workdir !== undefined) req.workdir = s('workdir');
  if (o.size !== undefined) {
    const size = o.size as { rows?: unknown; cols?: unknown } | null;
    const dim = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n > 0 && n <= 0xffff;
    if (typeof size !== 'object' || size === null || !dim(size.rows) || !dim(size.cols))
      throw new ApiDecodeError('exec.size: not {rows, cols}');
    req.size = { rows: size.rows as number, cols: size.cols as number };
  }
  return req;
}
