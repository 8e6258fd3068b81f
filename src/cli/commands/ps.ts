import { Command, Option, UsageError } from 'clipanion';
import type { PsEntry } from '../../api/protocol.js';
import { type Formatted, formatOption, renderFormat } from '../go-template.js';
import { ProjectCommand } from '../project-command.js';
import { renderTable } from '../table.js';

/**
 * `0.0.0.0:8080->80/tcp, 443/tcp`, as docker compose ps prints ports; in a cluster, `*:8080`
 * for a port the mesh's ingress answers on every node.
 */
export function formatPorts(entry: Pick<PsEntry, 'ports'>): string {
  const shown = entry.ports.map((p) =>
    p.published !== undefined
      ? `${p.answersOn ? '*' : p.hostIp || '0.0.0.0'}:${p.published}->${p.target}/${p.protocol}`
      : `${p.target}/${p.protocol}`,
  );
  // The engine's IPv4 and IPv6 bindings of one port are one `*:` entry.
  return [...new Set(shown)].join(', ');
}

export function formatState(entry: Pick<PsEntry, 'state' | 'exitCode'>): string {
  return entry.state === 'exited' ? `exited (${entry.exitCode ?? '?'})` : entry.state;
}

/**
 * A duration as Docker words it (go-units HumanDuration): `Less than a second`, `3 seconds`,
 * `About a minute`, `5 minutes`, `About an hour`, `3 hours`, `4 days`, `3 weeks`, `2 months`, `2 years`.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(Math.max(0, ms) / 1000);
  const hours = Math.round(seconds / 3600);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(seconds / 60);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(hours / 24 / 365)} years`;
}

/** `Up 5 minutes (healthy)`, `Exited (1) 3 seconds ago`: the engine's text, else made from the state. */
export function formatStatus(e: PsEntry, now: number): string {
  if (e.status) return e.status;
  const health =
    e.health === 'none' ? '' : e.health === 'starting' ? ' (health: starting)' : ` (${e.health})`;
  switch (e.state) {
    case 'running':
      return `Up ${e.startedAt === undefined ? '' : humanDuration(now - e.startedAt)}`.trimEnd() + health;
    case 'exited':
      return `Exited (${e.exitCode ?? 0})`;
    case 'created':
      return 'Created';
    default:
      return e.state.charAt(0).toUpperCase() + e.state.slice(1);
  }
}

/** The command quoted, cut to 20 characters with an ellipsis unless `noTrunc`, as docker prints it. */
export function formatCommand(command: string | undefined, noTrunc = false): string {
  const c = command ?? '';
  const chars = [...c];
  const cut = noTrunc || chars.length <= 20 ? c : `${chars.slice(0, 19).join('')}…`;
  return JSON.stringify(cut);
}

/**
 * docker compose ps's table: NAME IMAGE COMMAND SERVICE CREATED STATUS PORTS; in a
 * cluster NODE follows SERVICE; RESTARTS follows STATUS when a listed replica was
 * restarted (PsEntry.restarts; `-` for a replica whose count its node does not report).
 */
export function psTable(entries: PsEntry[], now: number, noTrunc = false): string {
  const clustered = entries.some((e) => e.node !== undefined);
  const restarted = entries.some((e) => (e.restarts ?? 0) > 0);
  const header = ['NAME', 'IMAGE', 'COMMAND', 'SERVICE', 'CREATED', 'STATUS', 'PORTS'];
  if (restarted) header.splice(6, 0, 'RESTARTS');
  if (clustered) header.splice(4, 0, 'NODE');
  return renderTable(
    header,
    entries.map((e) => {
      const row = [
        e.name,
        e.image,
        formatCommand(e.command, noTrunc),
        e.service,
        `${humanDuration(now - e.createdAt)} ago`,
        formatStatus(e, now),
        formatPorts(e),
      ];
      if (restarted) row.splice(6, 0, e.restarts === undefined ? '-' : String(e.restarts));
      if (clustered) row.splice(4, 0, e.node ?? '');
      return row;
    }),
  );
}

/** The states `--status` and `--filter status=` accept, as docker compose lists them. */
export const PS_STATES = [
  'paused',
  'restarting',
  'removing',
  'running',
  'dead',
  'created',
  'exited',
] as const;

/** `--status x` (repeatable) and `--filter status=x` together: the states wanted, or undefined for any. */
export function statusFilter(status: string[], filter: string | undefined): Set<string> | undefined {
  const wanted = [...status];
  if (filter !== undefined) {
    const m = /^status=(.*)$/.exec(filter);
    if (!m) throw new UsageError(`--filter: only status=<state> is supported, not "${filter}"`);
    wanted.push(m[1]!);
  }
  for (const s of wanted)
    if (!(PS_STATES as readonly string[]).includes(s))
      throw new UsageError(`invalid status "${s}": expected one of ${PS_STATES.join(', ')}`);
  return wanted.length > 0 ? new Set(wanted) : undefined;
}

/** What `fizz ps` prints for the containers it was given (already filtered). */
export function renderPs(
  shown: PsEntry[],
  how: {
    quiet: boolean;
    services: boolean;
    format: 'table' | 'json' | Formatted;
    noTrunc: boolean;
    now: number;
  },
): string {
  if (how.quiet) return shown.map((c) => `${c.id}\n`).join('');
  if (how.services) return [...new Set(shown.map((c) => c.service))].map((s) => `${s}\n`).join('');
  if (how.format === 'json') return `${JSON.stringify(shown.map((e) => psJson(e, how.now)))}\n`;
  if (how.format !== 'table')
    return renderFormat(
      how.format,
      shown.map((e) => psJson(e, how.now)),
      PS_HEADERS,
    );
  return psTable(shown, how.now, how.noTrunc);
}

/** `fizz ps`: the project's containers, as docker compose ps lists them. */
export class PsCommand extends ProjectCommand {
  static override paths = [['ps']];
  static override usage = Command.Usage({
    category: 'Compose',
    description: 'list the containers of a compose project',
    details: `
      Columns as docker compose ps: NAME, IMAGE, COMMAND, SERVICE, CREATED, STATUS, PORTS.
      \`--format json\` has docker compose's field names plus \`Replica\` (1-based) and
      \`Restarts\`. Only running containers unless \`-a\` or a status filter is given. In a
      cluster, a port published through the mesh answers on every node: PORTS shows
      \`*:8080->80/tcp\`, and its JSON publisher lists the nodes (\`Nodes\`: name and address).

      A RESTARTS column follows STATUS when a replica was restarted: the engine's restarts
      under the service's restart policy, plus Fizz's own (an unhealthy container restarted,
      a container removed by hand made again) since this node's agent started. Each is
      turned off per service with \`x-fizz: { restart_unhealthy: false }\` and
      \`x-fizz: { recreate_removed: false }\`.
    `,
    examples: [
      ['Running containers', '$0 ps'],
      ['Every container, as JSON', '$0 ps -a --format json'],
      ['The services that have an exited container', '$0 ps --services --status exited'],
    ],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Show stopped containers too' });
  format = Option.String('--format', 'table', {
    description: 'table or json (or a Go template: {{.Name}} {{.State}}, table {{.Name}}\\t{{.Status}})',
  });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Only container ids' });
  servicesOnly = Option.Boolean('--services', false, { description: 'Only the service names' });
  status = Option.Array('--status', [], {
    description: `Only containers in this state (repeatable): ${PS_STATES.join(', ')}`,
  });
  filter = Option.String('--filter', { description: 'Filter by a property: status=<state>' });
  noTrunc = Option.Boolean('--no-trunc', false, { description: 'Do not cut the command short' });
  services = Option.Rest({ name: 'service' });

  async execute(): Promise<number> {
    const format = formatOption(this.format, PS_FIELDS);
    const states = statusFilter(this.status, this.filter);
    return this.projectNameOnly(async (project) => {
      // A status filter looks at every container, as in docker compose.
      const { containers, pending = [] } = await this.askAgent((client) =>
        client.ps(project, this.all || states !== undefined),
      );
      const shown = containers.filter(
        (c) =>
          (this.services.length === 0 || this.services.includes(c.service)) &&
          (states === undefined || states.has(c.state)),
      );
      this.context.stdout.write(
        renderPs(shown, {
          quiet: this.quiet,
          services: this.servicesOnly,
          format,
          noTrunc: this.noTrunc,
          now: Date.now(),
        }),
      );
      // Replicas no node can run, and why: on stderr, so `--format json | jq` reads only rows.
      const waiting = pending.filter((p) => this.services.length === 0 || this.services.includes(p.service));
      if (!this.quiet && waiting.length > 0)
        this.context.stderr.write(
          waiting.map((p) => `pending: ${p.service} replica ${p.replica + 1}: ${p.reason}\n`).join(''),
        );
      return 0;
    }, this.services);
  }
}

/** The fields of a `ps` row (`--format json` and templates). */
export const PS_FIELDS = [
  'ID',
  'Name',
  'Names',
  'Project',
  'Service',
  'Replica',
  'Image',
  'Command',
  'State',
  'Status',
  'RunningFor',
  'Health',
  'ExitCode',
  'Ports',
  'Publishers',
  'CreatedAt',
  'Node',
  'Restarts',
] as const;

/** `table {{…}}` column titles docker compose gives fields whose name is not the title. */
const PS_HEADERS: Record<string, string> = { ID: 'CONTAINER ID', RunningFor: 'CREATED', Names: 'NAME' };

/** The JSON shape: docker compose ps's field names, plus Fizz's replica index (1-based). */
export function psJson(e: PsEntry, now: number): Record<string, unknown> {
  return {
    ID: e.id,
    Name: e.name,
    Names: e.name,
    Project: e.project,
    Service: e.service,
    Replica: e.replica + 1,
    Image: e.image,
    Command: e.command === undefined ? '' : JSON.stringify(e.command),
    State: e.state,
    Status: formatStatus(e, now),
    RunningFor: `${humanDuration(now - e.createdAt)} ago`,
    Health: e.health === 'none' ? '' : e.health,
    ExitCode: e.exitCode ?? 0,
    Ports: formatPorts(e),
    Publishers: e.ports.map((p) => ({
      URL: p.hostIp || '0.0.0.0',
      TargetPort: p.target,
      PublishedPort: p.published ?? 0,
      Protocol: p.protocol,
      ...(p.answersOn ? { Nodes: p.answersOn.map((a) => ({ Node: a.node, Address: a.address })) } : {}),
    })),
    CreatedAt: new Date(e.createdAt).toISOString(),
    ...(e.node !== undefined ? { Node: e.node } : {}),
    ...(e.restarts !== undefined ? { Restarts: e.restarts } : {}),
  };
}
