import { Command, Option, UsageError } from 'clipanion';
import type { PsEntry } from '../../api/protocol.js';
import { ProjectCommand } from '../project-command.js';
import { renderTable } from '../table.js';

/** `0.0.0.0:8080->80/tcp, 443/tcp`, as docker compose ps prints ports. */
export function formatPorts(entry: Pick<PsEntry, 'ports'>): string {
  return entry.ports
    .map((p) =>
      p.published !== undefined
        ? `${p.hostIp || '0.0.0.0'}:${p.published}->${p.target}/${p.protocol}`
        : `${p.target}/${p.protocol}`,
    )
    .join(', ');
}

export function formatState(entry: Pick<PsEntry, 'state' | 'exitCode'>): string {
  return entry.state === 'exited' ? `exited (${entry.exitCode ?? '?'})` : entry.state;
}

export function psTable(entries: PsEntry[]): string {
  return renderTable(
    ['NAME', 'SERVICE', 'REPLICA', 'STATE', 'HEALTH', 'PORTS'],
    entries.map((e) => [
      e.name,
      e.service,
      String(e.replica + 1),
      formatState(e),
      e.health === 'none' ? '' : e.health,
      formatPorts(e),
    ]),
  );
}

/** `fizz ps`: the project's containers with service, replica, state, health and ports. */
export class PsCommand extends ProjectCommand {
  static override paths = [['ps']];
  static override usage = Command.Usage({
    category: 'Compose',
    description: 'list the containers of a compose project',
    examples: [
      ['Running containers', '$0 ps'],
      ['Every container, as JSON', '$0 ps -a --format json'],
    ],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Show stopped containers too' });
  format = Option.String('--format', 'table', {
    description: 'table or json',
  });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Only container ids' });
  services = Option.Rest({ name: 'service' });

  async execute(): Promise<number> {
    if (this.format !== 'table' && this.format !== 'json')
      throw new UsageError(`--format wants table or json, not "${this.format}"`);
    return this.projectNameOnly(async (project) => {
      const client = await this.agent();
      const { containers } = await client.ps(project, this.all);
      const shown = containers.filter((c) => this.services.length === 0 || this.services.includes(c.service));
      const out = this.context.stdout;
      if (this.quiet) out.write(shown.map((c) => `${c.id}\n`).join(''));
      else if (this.format === 'json') out.write(`${JSON.stringify(shown.map(psJson))}\n`);
      else out.write(psTable(shown));
      return 0;
    }, this.services);
  }
}

/** The JSON shape: docker compose ps's field names, plus Fizz's replica index. */
function psJson(e: PsEntry): Record<string, unknown> {
  return {
    ID: e.id,
    Name: e.name,
    Project: e.project,
    Service: e.service,
    Replica: e.replica + 1,
    Image: e.image,
    State: e.state,
    Health: e.health === 'none' ? '' : e.health,
    ExitCode: e.exitCode ?? 0,
    Ports: formatPorts(e),
    Publishers: e.ports.map((p) => ({
      URL: p.hostIp || '0.0.0.0',
      TargetPort: p.target,
      PublishedPort: p.published ?? 0,
      Protocol: p.protocol,
    })),
    CreatedAt: new Date(e.createdAt).toISOString(),
  };
}
