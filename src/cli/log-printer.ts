/**
 * Prints merged container output with a `service-N |` prefix per line, aligned to the
 * widest prefix seen so far, coloured per service on a terminal, as docker compose does.
 */
import type { LogEvent, LogNotice } from '../api/protocol.js';
import type { Writable } from './progress-printer.js';

const COLOURS = [36, 33, 32, 35, 34, 96, 93, 92, 95, 94];

function colourOf(service: string): number {
  let h = 0;
  for (const ch of service) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return COLOURS[h % COLOURS.length]!;
}

export class LogPrinter {
  private width = 0;
  /** Notices printed (nodes whose containers could not be read). */
  notices = 0;

  constructor(
    private readonly out: Writable,
    private readonly colour: boolean,
    /** Names every container will print under, so the alignment is fixed from the start. */
    names: string[] = [],
    private readonly showTimestamps = false,
    /** Where notices go (default: with the lines). */
    private readonly err: Writable = out,
  ) {
    for (const n of names) this.width = Math.max(this.width, n.length);
  }

  static prefixOf(event: Pick<LogEvent, 'service' | 'replica'>): string {
    return `${event.service}-${event.replica + 1}`;
  }

  print(event: LogEvent | LogNotice): void {
    if (event.type === 'notice') {
      this.notices++;
      this.err.write(`fizz: ${event.text}\n`);
      return;
    }
    const name = LogPrinter.prefixOf(event);
    this.width = Math.max(this.width, name.length);
    const padded = `${name.padEnd(this.width)} |`;
    const prefix = this.colour ? `\x1b[${colourOf(event.service)}m${padded}\x1b[0m` : padded;
    const ts =
      this.showTimestamps && event.time !== undefined ? `${new Date(event.time).toISOString()} ` : '';
    const text = event.text.endsWith('\n') ? event.text.slice(0, -1) : event.text;
    this.out.write(`${prefix} ${ts}${text}\n`);
  }
}
