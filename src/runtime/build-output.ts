/**
 * Reads the classic builder's message stream: the output as whole lines, the step under
 * way (`Step 2/5 : RUN make`), the built image's id and the error that ended the build.
 * Pure: messages in, lines out through the callback.
 */
import { type JsonMessage, messageError } from './json-messages.js';

const STEP = /^Step (\d+)\/(\d+) : (.*)$/;

/** Pull statuses of a FROM image worth a line; byte-by-byte progress is not. */
const PULL_NOISE = new Set([
  'Downloading',
  'Extracting',
  'Waiting',
  'Verifying Checksum',
  'Pulling fs layer',
]);

export class BuildOutput {
  /** The last step the builder began. */
  step: { index: number; total: number; instruction: string } | undefined;
  imageId: string | undefined;
  error: string | undefined;
  private partial = '';

  constructor(private readonly onLine: (line: string) => void) {}

  add(m: JsonMessage): void {
    if (m.aux?.ID) this.imageId = m.aux.ID;
    const err = messageError(m);
    if (err !== undefined) {
      this.flush();
      this.error = err;
      return;
    }
    if (typeof m.stream === 'string') {
      const text = this.partial + m.stream;
      const lines = text.split('\n');
      this.partial = lines.pop()!;
      for (const l of lines) this.line(l);
      return;
    }
    if (typeof m.status === 'string' && !PULL_NOISE.has(m.status))
      this.line(m.id ? `${m.id}: ${m.status}` : m.status);
  }

  /** The end of the stream: a last line without its newline is still a line. */
  flush(): void {
    if (this.partial) this.line(this.partial);
    this.partial = '';
  }

  private line(raw: string): void {
    const l = raw.replace(/\r$/, '');
    const m = STEP.exec(l);
    if (m) this.step = { index: Number(m[1]), total: Number(m[2]), instruction: m[3]! };
    this.onLine(l);
  }
}
