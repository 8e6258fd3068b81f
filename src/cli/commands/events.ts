import { Command, Option, UsageError } from 'clipanion';
import { type ClusterEvent, OPS_ROUTES } from '../../api/ops-api.js';
import { ProjectCommand } from '../project-command.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `--since` / `--until` as docker events takes them: a duration back from now (`10m`,
 * `1h30m`), a unix time in seconds, or an RFC 3339 / ISO 8601 date. ms since the epoch.
 */
export function parseTime(text: string, now: number, flag: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)];
  if (parts.length > 0 && parts.map((p) => p[0]).join('') === text)
    return now - parts.reduce((ms, p) => ms + Number(p[1]) * UNITS[p[2]!]!, 0);
  const t = Date.parse(text);
  if (Number.isNaN(t))
    throw new UsageError(
      `${flag} "${text}": expected a duration (10m), unix seconds or a date (2026-12-05T10:00:00Z)`,
    );
  return t;
}

/** One line as `docker events` prints it: time, type, action, then the attributes. */
export function formatEvent(e: ClusterEvent): string {
  const attrs = [
    e.node ? `node=${e.node}` : '',
    e.project ? `project=${e.project}` : '',
    e.service ? `service=${e.service}` : '',
    e.replica !== undefined ? `replica=${e.replica}` : '',
    `reporter=${e.reporter}`,
  ].filter(Boolean);
  const detail = e.detail ? ` ${e.detail}` : '';
  return `${new Date(e.time).toISOString()} ${e.type} ${e.action}${detail} (${attrs.join(', ')})\n`;
}

/**
 * `fizz events`: the cluster's events, from any node. In a project's directory (or with
 * `-p`) only that project's, as `docker compose events` shows them: `--json` and service
 * names work as there; the container events (create, start, die, …) are among them.
 */
export class EventsCommand extends ProjectCommand {
  static override paths = [['events']];
  static override usage = Command.Usage({
    category: 'Cluster',
    description: "stream the cluster's events (the project's, in a project)",
    details: `
      Events of the whole cluster as this node saw them: members (joined, suspect, alive,
      dead, left), replicas (placed, moved, started, healthy, unhealthy, stopped, removed),
      containers of this node as the engine reports them (create, start, die, kill,
      destroy, health_status), specs (changed — with the node and command that wrote them —,
      rolled-back, scaled, removed) and rolling updates (completed, paused, failed). Each
      node keeps the last 10,000 in memory.

      Where a compose file is found (or \`-p\` names a project), only that project's events
      are shown, as \`docker compose events\` does; \`--cluster\` shows every event anyway.
      SERVICE names keep only theirs. Without \`--since\` only new events are shown;
      \`--until\` ends the stream. \`--filter type=replica,service=web\` (keys type, action,
      node, project, service; a key given twice matches either value). \`--json\` is
      \`--format json\`.
    `,
    examples: [
      ["Follow the project's events", '$0 events'],
      ['Every event of the cluster', '$0 events --cluster'],
      ['The last 10 minutes of web, as JSON', '$0 events --since 10m --until 0s --json web'],
    ],
  });

  format = Option.String('--format', 'text', { description: 'text or json' });
  json = Option.Boolean('--json', false, { description: 'Output events as JSON lines (--format json)' });
  cluster = Option.Boolean('--cluster', false, { description: "Every event, not only this project's" });
  since = Option.String('--since', { description: 'show events from this time (10m, unix seconds, a date)' });
  until = Option.String('--until', { description: 'stop at this time' });
  filters = Option.Array('--filter', [], { description: 'KEY=VALUE[,KEY=VALUE…]' });
  services = Option.Rest({ name: 'SERVICE' });

  async execute(): Promise<number> {
    if (this.format !== 'text' && this.format !== 'json')
      throw new UsageError(`--format wants text or json, not "${this.format}"`);
    const json = this.json || this.format === 'json';
    const now = Date.now();
    const q = new URLSearchParams({ follow: '1' });
    if (this.since !== undefined) q.set('since', String(parseTime(this.since, now, '--since')));
    if (this.until !== undefined) q.set('until', String(parseTime(this.until, now, '--until')));
    for (const f of this.filters.flatMap((x) => x.split(','))) {
      if (!/^[a-z]+=./.test(f)) throw new UsageError(`--filter "${f}": expected KEY=VALUE`);
      q.append('filter', f);
    }
    for (const s of this.services) q.append('filter', `service=${s}`);
    const project = this.cluster ? undefined : await this.projectOrNone();
    if (project !== undefined) q.append('filter', `project=${project}`);
    const client = await this.agent();
    const abort = new AbortController();
    const stop = () => abort.abort();
    process.once('SIGINT', stop);
    try {
      for await (const line of client.getLines(`${OPS_ROUTES.events}?${q}`, abort.signal)) {
        const e = line as ClusterEvent;
        this.context.stdout.write(json ? `${JSON.stringify(e)}\n` : formatEvent(e));
      }
    } catch (err) {
      if (!abort.signal.aborted) throw err;
    } finally {
      process.off('SIGINT', stop);
    }
    return 0;
  }

  /** The project here (from the compose file, else `-p`), or none: then the whole cluster. */
  private async projectOrNone(): Promise<string | undefined> {
    try {
      return (await this.loadProject()).name;
    } catch {
      return this.projectName || undefined;
    }
  }
}
