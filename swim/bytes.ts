import { DecodeError } from './errors.js';

/** A growable big-endian byte writer, reused across packets by one node. */
export class Writer {
  buf: Buffer;
  pos = 0;

  constructor(capacity = 2048) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  reset(): void {
    this.pos = 0;
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): void {
    this.room(1);
    this.buf[this.pos++] = v;
  }

  u16(v: number): void {
    this.room(2);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
  }

  u32(v: number): void {
    this.room(4);
    this.buf.writeUInt32BE(v >>> 0, this.pos);
    this.pos += 4;
  }

  /** A string of at most 255 UTF-8 bytes, prefixed by its length. */
  str8(s: string): void {
    this.room(1 + 3 * s.length);
    const n = this.buf.write(s, this.pos + 1, 'utf8');
    if (n > 255) throw new RangeError(`string of ${n} bytes is over 255`);
    this.buf[this.pos] = n;
    this.pos += 1 + n;
  }

  /** Bytes prefixed by a 16-bit length. */
  bytes16(b: Uint8Array): void {
    if (b.length > 0xffff) throw new RangeError(`${b.length} bytes is over 65535`);
    this.u16(b.length);
    this.raw(b);
  }

  raw(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  patchU16(at: number, v: number): void {
    this.buf.writeUInt16BE(v, at);
  }

  /** A copy of what was written (the writer is reused). */
  copy(from = 0): Uint8Array {
    // allocUnsafe carves small buffers out of a shared pool: no ArrayBuffer per packet.
    const out = Buffer.allocUnsafe(this.pos - from);
    this.buf.copy(out, 0, from, this.pos);
    return out;
  }
}

/** A reader that treats every byte as hostile: every read is bounds-checked. */
export class Reader {
  private readonly buf: Buffer;
  pos: number;
  end: number;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    this.buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
    this.end = end;
  }

  private need(n: number): void {
    if (this.pos + n > this.end)
      throw new DecodeError(`truncated: needed ${n} byte(s) at offset ${this.pos}`);
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  str8(): string {
    const n = this.u8();
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  bytes16(): Uint8Array {
    const n = this.u16();
    this.need(n);
    const b = Buffer.allocUnsafe(n);
    this.buf.copy(b, 0, this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}
