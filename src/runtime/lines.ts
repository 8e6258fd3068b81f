/** A small push-to-pull queue of log lines: engine streams write in, an async iterator reads out. */
import type { LogLine } from './types.js';

const TIMESTAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) /;

/** Splits `text` at a leading RFC 3339 timestamp (as `docker logs -t` writes it). */
export function splitTimestamp(text: string): { time?: number; text: string } {
  const m = TIMESTAMP.exec(text);
  if (!m) return { text };
  const time = Date.parse(m[1]!);
  return Number.isNaN(time) ? { text } : { time, text: text.slice(m[0].length) };
}

export class LineQueue implements AsyncIterable<LogLine> {
  private readonly lines: LogLine[] = [];
  private readonly partial = { stdout: '', stderr: '' };
  private waiter: (() => void) | undefined;
  private ended = false;
  private failure: unknown;

  constructor(
    private readonly containerId: string,
    private readonly timestamps: boolean,
    /** Called once when the reader stops early or the queue ends: release the source. */
    private readonly onClose: () => void = () => {},
  ) {}

  /** Adds a chunk of one stream; whole lines become LogLines, the rest waits for more. */
  write(stream: 'stdout' | 'stderr', chunk: Buffer | string): void {
    const text = this.partial[stream] + chunk.toString('utf8');
    const parts = text.split('\n');
    this.partial[stream] = parts.pop()!;
    for (const p of parts) this.push(stream, p);
    this.wake();
  }

  end(err?: unknown): void {
    if (this.ended) return;
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.partial[stream]) this.push(stream, this.partial[stream]);
      this.partial[stream] = '';
    }
    this.ended = true;
    this.failure = err;
    this.wake();
  }

  private push(stream: 'stdout' | 'stderr', raw: string): void {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const { time, text } = this.timestamps ? splitTimestamp(line) : { time: undefined, text: line };
    this.lines.push(
      time === undefined
        ? { containerId: this.containerId, stream, text }
        : { containerId: this.containerId, stream, time, text },
    );
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<LogLine> {
    try {
      for (;;) {
        while (this.lines.length > 0) yield this.lines.shift()!;
        if (this.ended) {
          if (this.failure) throw this.failure;
          return;
        }
        await new Promise<void>((resolve) => {
          this.waiter = resolve;
        });
      }
    } finally {
      this.onClose();
    }
  }
}
