/** Newline-delimited JSON: one object per line, for streamed progress and logs. */

import { parseJson } from './decode.js';
import { ApiDecodeError } from './errors.js';

/** Longest line accepted from the other side; a longer one is hostile or broken. */
export const MAX_LINE_BYTES = 1 << 20;

export function encodeLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

/** Splits a byte stream into parsed JSON values, one per non-empty line. */
export async function* readLines(stream: AsyncIterable<Buffer | string>): AsyncGenerator<unknown> {
  let pending = '';
  for await (const chunk of stream) {
    pending += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let nl = pending.indexOf('\n');
    while (nl >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (line) yield parseJson(line, 'stream line');
      nl = pending.indexOf('\n');
    }
    if (pending.length > MAX_LINE_BYTES) throw new ApiDecodeError('stream line: too long');
  }
  const last = pending.trim();
  if (last) yield parseJson(last, 'stream line');
}
