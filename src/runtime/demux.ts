/**
 * Docker's multiplexed attach stream (no TTY): each frame is an 8-byte header — stream type
 * (1 stdout, 2 stderr), three zero bytes, the payload length as uint32 big-endian — then the
 * payload. Frames and chunks do not line up, so the decoder keeps what it has not used.
 */
import type { ExecChunk } from './types.js';

const HEADER = 8;

export class DockerFrameDecoder {
  private pending: Buffer = Buffer.alloc(0);

  /** The whole frames `chunk` completes, in order; a frame of stream 0 (stdin echo) is dropped. */
  push(chunk: Buffer): ExecChunk[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: ExecChunk[] = [];
    while (this.pending.length >= HEADER) {
      const type = this.pending[0]!;
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < HEADER + size) break;
      const data = this.pending.subarray(HEADER, HEADER + size);
      this.pending = this.pending.subarray(HEADER + size);
      if (type === 1 || type === 2)
        out.push({ stream: type === 1 ? 'stdout' : 'stderr', data: Buffer.from(data) });
    }
    return out;
  }

  /** Bytes of an unfinished frame left when the stream ended. */
  get leftover(): number {
    return this.pending.length;
  }
}

/** One frame as the engine writes it (tests, and the fake engine). */
export function dockerFrame(stream: 'stdout' | 'stderr', data: Buffer): Buffer {
  const header = Buffer.alloc(HEADER);
  header[0] = stream === 'stdout' ? 1 : 2;
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}
