/**
 * The engine's progress streams (`POST /images/create`, `POST /build`): one JSON message
 * per line. Decoded leniently: a line that is not JSON is skipped, not fatal.
 */

/** The fields of a jsonmessage.JSONMessage that Fizz reads. */
export interface JsonMessage {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  /** Builder output (`Step 1/3 : FROM …\n`, RUN output). */
  stream?: string;
  aux?: { ID?: string };
  error?: string;
  errorDetail?: { message?: string; code?: number };
}

export async function* jsonMessages(source: AsyncIterable<Buffer | string>): AsyncGenerator<JsonMessage> {
  let buffered = '';
  for await (const chunk of source) {
    buffered += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) {
      const m = decode(line);
      if (m) yield m;
    }
  }
  const m = decode(buffered);
  if (m) yield m;
}

function decode(line: string): JsonMessage | undefined {
  const text = line.trim();
  if (!text) return undefined;
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as JsonMessage) : undefined;
  } catch {
    return undefined;
  }
}

/** The error a message carries, if it is one. */
export function messageError(m: JsonMessage): string | undefined {
  if (m.errorDetail?.message) return m.errorDetail.message;
  if (m.error) return m.error;
  return undefined;
}
