/**
 * Prints an operation's progress as docker compose does. On a terminal: one live line per
 * network, volume and container, redrawn in place as their state changes. Elsewhere: one
 * plain line per change, so logs and CI output stay readable.
 */
import type { DoneEvent, OpEvent, ProgressEvent, ProgressStatus, ResourceKind } from '../api/protocol.js';

const WORDS: Record<ProgressStatus, string> = {
  creating: 'Creating',
  created: 'Created',
  starting: 'Starting',
  started: 'Started',
  running: 'Running',
  waiting: 'Waiting',
  healthy: 'Healthy',
  exited: 'Exited',
  stopping: 'Stopping',
  stopped: 'Stopped',
  restarting: 'Restarting',
  restarted: 'Restarted',
  recreating: 'Recreate',
  recreated: 'Recreated',
  removing: 'Removing',
  removed: 'Removed',
  killing: 'Killing',
  killed: 'Killed',
  pausing: 'Pausing',
  paused: 'Paused',
  unpausing: 'Unpausing',
  unpaused: 'Unpaused',
  error: 'Error',
};

const FINAL = new Set<ProgressStatus>([
  'created',
  'started',
  'running',
  'healthy',
  'exited',
  'stopped',
  'restarted',
  'recreated',
  'removed',
  'killed',
  'paused',
  'unpaused',
]);

const KIND: Record<ResourceKind, string> = {
  container: 'Container',
  network: 'Network',
  volume: 'Volume',
  project: 'Project',
};

export interface Writable {
  write(text: string): unknown;
}

interface Line {
  label: string;
  status: ProgressStatus;
  detail?: string;
  startedAt: number;
  endedAt?: number;
}

export class ProgressPrinter {
  private readonly lines = new Map<string, Line>();
  private drawn = 0;

  constructor(
    private readonly out: Writable,
    private readonly tty: boolean,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** The one-line text of an event, as printed without a terminal. */
  static plain(event: ProgressEvent): string {
    const detail = event.detail ? ` (${event.detail})` : '';
    return `${KIND[event.resource]} ${event.name}  ${WORDS[event.status]}${detail}`;
  }

  add(event: ProgressEvent): void {
    if (!this.tty) {
      this.out.write(`${ProgressPrinter.plain(event)}\n`);
      return;
    }
    const key = `${event.resource}:${event.name}`;
    const prev = this.lines.get(key);
    const line: Line = {
      label: `${KIND[event.resource]} ${event.name}`,
      status: event.status,
      startedAt: prev?.startedAt ?? this.now(),
    };
    if (event.detail) line.detail = event.detail;
    if (FINAL.has(event.status) || event.status === 'error') line.endedAt = this.now();
    this.lines.set(key, line);
    this.redraw();
  }

  private redraw(): void {
    const rows = [...this.lines.values()];
    const width = Math.max(...rows.map((r) => r.label.length));
    const doneCount = rows.filter((r) => r.endedAt !== undefined).length;
    const text = [
      `[+] Running ${doneCount}/${rows.length}`,
      ...rows.map((r) => {
        const mark =
          r.status === 'error' ? '\x1b[31m✘\x1b[0m' : r.endedAt !== undefined ? '\x1b[32m✔\x1b[0m' : '⠿';
        const secs = (((r.endedAt ?? this.now()) - r.startedAt) / 1000).toFixed(1);
        const detail = r.detail && r.status === 'error' ? ` ${r.detail}` : '';
        return ` ${mark} ${r.label.padEnd(width)}  ${WORDS[r.status]}${detail}  ${secs}s`;
      }),
    ];
    const up = this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
    this.out.write(`${up}${text.map((t) => `\x1b[2K${t}`).join('\n')}\n`);
    this.drawn = text.length;
  }
}

/** Prints an operation's events; returns its `done` line. Failures go to `err`, one per line. */
export async function printOperation(
  events: AsyncIterable<OpEvent>,
  out: Writable,
  tty: boolean,
): Promise<DoneEvent> {
  const printer = new ProgressPrinter(out, tty);
  for await (const ev of events) {
    if (ev.type === 'done') {
      for (const line of ev.errors) out.write(`error: ${line}\n`);
      return ev;
    }
    printer.add(ev);
  }
  return { type: 'done', ok: false, errors: ['no answer from the agent'] };
}
