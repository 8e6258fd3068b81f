/**
 * A node passes an image on while it still receives it: in a push (push.ts: a chain, the
 * next node asks this one), the archive bytes of the transfer under way are appended to a
 * file (`<id>.relay` beside the spool), and a node that asks for that image meanwhile is
 * sent those bytes as they arrive (serve.ts), so a push down a chain of nodes costs about
 * one transfer plus the chain's depth, not one per hop.
 *
 * Safety stays with the receiver: each node checks every digest of what it got before
 * loading (spool.ts), so a relay forwards bytes it has not checked yet; a relayed transfer
 * that breaks upstream ends downstream with an error, and the asker tries again as from
 * any holder (whole layers kept). A relay serves an asker only when every layer the relayed
 * transfer left out is one the asker also skips; else the asker waits for the load.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { type FileHandle, mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DATA_CHUNK } from '../remote/limits.js';

export class Relay {
  /** The archive's size, once the sender said it (0 before). */
  total = 0;
  private written = 0;
  private ended = false;
  private error: Error | undefined;
  private readers = 0;
  private retired = false;
  private wake: () => void = () => {};
  private changed = new Promise<void>((r) => {
    this.wake = r;
  });

  constructor(
    readonly skip: readonly number[],
    private readonly file: string,
    private readonly fh: FileHandle,
  ) {}

  private bump(): void {
    const wake = this.wake;
    this.changed = new Promise<void>((r) => {
      this.wake = r;
    });
    wake();
  }

  /** Whether an asker that skips `skip` gets every layer it needs from this relay. */
  serves(skip: readonly number[]): boolean {
    if (this.error) return false;
    const asked = new Set(skip);
    return this.skip.every((i) => asked.has(i));
  }

  /** The archive's size, once the relayed sender said it (0 when it broke before). */
  async sized(): Promise<number> {
    while (this.total === 0 && !this.ended) await this.changed;
    return this.total;
  }

  setTotal(total: number): void {
    this.total = total;
    this.bump();
  }

  async append(data: Buffer): Promise<void> {
    if (this.ended) return;
    await this.fh.write(data, 0, data.length, this.written);
    this.written += data.length;
    this.bump();
  }

  /** The relayed transfer ended whole (`error` undefined) or broke. */
  end(error?: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.error = error;
    void this.fh.close().catch(() => {});
    this.bump();
  }

  /** Keeps the file until the returned function is called (a reader is on its way). */
  hold(): () => void {
    this.readers++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.readers--;
      this.drop();
    };
  }

  /** The archive bytes, as they arrive (call between `hold()` and its release); throws when the relayed transfer broke. */
  async *read(): AsyncGenerator<Buffer> {
    const fh = await open(this.file, 'r');
    try {
      let at = 0;
      for (;;) {
        if (this.error) throw new Error(`the transfer this node relays broke: ${this.error.message}`);
        if (at < this.written) {
          const buf = Buffer.allocUnsafe(Math.min(DATA_CHUNK, this.written - at));
          const { bytesRead } = await fh.read(buf, 0, buf.length, at);
          at += bytesRead;
          yield buf.subarray(0, bytesRead);
        } else if (this.ended) return;
        else await this.changed;
      }
    } finally {
      await fh.close().catch(() => {});
    }
  }

  /** No new reader from now on; the file goes when the last reader is done. */
  retire(): void {
    this.retired = true;
    this.end(new Error('the transfer was given up'));
    this.drop();
  }

  private drop(): void {
    if (this.retired && this.readers === 0) void rm(this.file, { force: true }).catch(() => {});
  }
}

/** The relays of the transfers under way on this node, by image id. */
export class Relays {
  private readonly live = new Map<string, { relay?: Relay; finished: Promise<void> }>();

  /** Made once at the agent's start: relay files an earlier run left (it died mid-transfer) go. */
  constructor(private readonly dir: string) {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir))
      if (name.endsWith('.relay')) rmSync(join(dir, name), { force: true });
  }

  /** A fetch of image `id` starts; `finish` when it ended, loaded or not. */
  begin(id: string): { finish: () => void } {
    let done = () => {};
    const finished = new Promise<void>((r) => {
      done = r;
    });
    const entry: { relay?: Relay; finished: Promise<void> } = { finished };
    this.live.set(id, entry);
    return {
      finish: () => {
        entry.relay?.retire();
        if (this.live.get(id) === entry) this.live.delete(id);
        done();
      },
    };
  }

  /** One try of the fetch of `id` starts receiving (the try before, if any, is over). */
  async open(id: string, skip: readonly number[]): Promise<Relay | undefined> {
    const entry = this.live.get(id);
    if (!entry) return undefined;
    entry.relay?.retire();
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const file = join(this.dir, `${id.slice(7)}.relay`);
    const relay = new Relay(skip, file, await open(file, 'w', 0o600));
    entry.relay = relay;
    return relay;
  }

  /** The relay that can serve an asker skipping `skip`, or the end of the fetch under way to wait for. */
  find(id: string, skip: readonly number[]): { relay: Relay } | { finished: Promise<void> } | undefined {
    const entry = this.live.get(id);
    if (!entry) return undefined;
    if (entry.relay?.serves(skip)) return { relay: entry.relay };
    return { finished: entry.finished };
  }
}
