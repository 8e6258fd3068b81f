/**
 * The bytes of a stream not yet read as frames: chunks kept as they came and joined only
 * once per frame taken, so a big frame is not copied over and over while it arrives (a
 * 16 MiB document in 64 KiB chunks would be ~2 GiB of copying).
 */
export class ByteQueue {
  private chunks: Uint8Array[] = [];
  size = 0;

  /** Keeps a copy of `bytes` (the caller's buffer may be reused). */
  push(bytes: Uint8Array): void {
    this.chunks.push(bytes.slice());
    this.size += bytes.length;
  }

  /** The first `n` bytes (n <= size), without consuming them. */
  peek(n: number): Uint8Array {
    const first = this.chunks[0]!;
    if (first.length >= n) return first.subarray(0, n);
    const out = new Uint8Array(n);
    let at = 0;
    for (const c of this.chunks) {
      const part = c.subarray(0, n - at);
      out.set(part, at);
      at += part.length;
      if (at === n) break;
    }
    return out;
  }

  /** Removes and returns the first `n` bytes (n <= size), in a fresh array. */
  take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let at = 0;
    let used = 0;
    while (at < n) {
      const c = this.chunks[used]!;
      const part = c.subarray(0, n - at);
      out.set(part, at);
      at += part.length;
      if (part.length === c.length) used++;
      else this.chunks[used] = c.subarray(part.length);
    }
    this.chunks = this.chunks.slice(used);
    this.size -= n;
    return out;
  }
}
