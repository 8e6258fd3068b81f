/**
 * Prints an operation's progress as docker compose does. On a terminal: one live line per
 * network, volume, image and container, redrawn in place as their state changes (an image
 * being pulled shows its layers as a bar and the bytes so far); a build's output scrolls
 * above them. Elsewhere: one plain line per change, so logs and CI output stay readable.
 */
import type {
  DoneEvent,
  OpEvent,
  OpProgress,
  OutputEvent,
  ProgressEvent,
  ProgressStatus,
  ResourceKind,
} from '../api/protocol.js';
import { PullLines } from './pull-lines.js';

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
  pulling: 'Pulling',
  pulled: 'Pulled',
  building: 'Building',
  built: 'Built',
  skipped: 'Skipped',
  warning: 'Warning',
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
  'pulled',
  'built',
  'skipped',
  'warning',
]);

/** Statuses whose detail is worth showing on the live line. */
const WITH_DETAIL = new Set<ProgressStatus>(['error', 'warning', 'skipped']);

const KIND: Record<ResourceKind, string> = {
  container: 'Container',
  network: 'Network',
  volume: 'Volume',
  project: 'Project',
  image: 'Image',
  layer: 'Layer',
};

export interface Writable {
  write(text: string): unknown;
}

interface Line {
  label: string;
  /** An image's name, to show its pull bar. */
  image?: string;
  status: ProgressStatus;
  detail?: string;
  startedAt: number;
  endedAt?: number;
}

export class ProgressPrinter {
  private readonly lines = new Map<string, Line>();
  private readonly pulls = new PullLines();
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

  add(event: OpProgress): void {
    if (event.type === 'output') {
      this.output(event);
      return;
    }
    if (event.resource === 'layer') {
      const plain = this.pulls.layer(event);
      if (!this.tty) {
        if (plain) this.out.write(`${plain}\n`);
      } else if (event.parent && this.lines.has(`image:${event.parent}`)) this.redraw();
      return;
    }
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
    if (event.resource === 'image') line.image = event.name;
    if (FINAL.has(event.status) || event.status === 'error') line.endedAt = this.now();
    this.lines.set(key, line);
    this.redraw();
  }

  /** A line of a build's output: scrolls above the live lines (plain: as it comes). */
  private output(event: OutputEvent): void {
    const text = `${event.service} | ${event.text}\n`;
    if (!this.tty) {
      this.out.write(text);
      return;
    }
    const up = this.drawn > 0 ? `\x1b[${this.drawn}A\x1b[J` : '';
    this.out.write(`${up}${text}`);
    this.drawn = 0;
    if (this.lines.size > 0) this.redraw();
  }

  private redraw(): void {
    const rows = [...this.lines.values()];
    const width = Math.max(...rows.map((r) => r.label.length));
    const doneCount = rows.filter((r) => r.endedAt !== undefined).length;
    const text = [
      `[+] Running ${doneCount}/${rows.length}`,
      ...rows.map((r) => {
        const mark =
          r.status === 'error'
            ? '\x1b[31m✘\x1b[0m'
            : r.status === 'warning'
              ? '\x1b[33m!\x1b[0m'
              : r.endedAt !== undefined
                ? '\x1b[32m✔\x1b[0m'
                : '⠿';
        const secs = (((r.endedAt ?? this.now()) - r.startedAt) / 1000).toFixed(1);
        const detail = r.detail && WITH_DETAIL.has(r.status) ? ` ${r.detail}` : '';
        const bar = r.image && r.status === 'pulling' ? ` ${this.pulls.summary(r.image)}`.trimEnd() : '';
        return ` ${mark} ${r.label.padEnd(width)}  ${WORDS[r.status]}${bar}${detail}  ${secs}s`;
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
  opts: { quiet?: boolean } = {},
): Promise<DoneEvent> {
  const printer = new ProgressPrinter(out, tty);
  for await (const ev of events) {
    if (ev.type === 'done') {
      for (const line of ev.errors) out.write(`error: ${line}\n`);
      return ev;
    }
    if (!opts.quiet) printer.add(ev);
  }
  return { type: 'done', ok: false, errors: ['no answer from the agent'] };
}
