import { Command, Option, UsageError } from 'clipanion';
import type { InspectResponse } from '../../api/protocol.js';
import { ProjectCommand } from '../project-command.js';
import { renderTable } from '../table.js';

/** `tcp/8080 -> 80 on every node: h1 10.0.0.1, h2 10.0.0.2` per published port. */
export function renderPorts(r: InspectResponse): string {
  return r.ports
    .map((p) => {
      const where =
        p.answersOn.map((a) => `${a.node} ${a.address}`).join(', ') || 'nowhere (no replica runs)';
      return `${p.published}/${p.protocol} -> ${p.target} ${p.everywhere ? 'on every node' : 'where a replica runs'}: ${where}\n`;
    })
    .join('');
}

/** The endpoint table, then the published ports. */
export function renderInspect(r: InspectResponse): string {
  const rows = r.endpoints.map((e) => [
    `${r.service}-${e.replica + 1}`,
    e.node,
    e.meshAddress ?? '',
    Object.entries(e.addresses)
      .map(([net, ip]) => `${ip} (${net})`)
      .join(', '),
    e.state,
    e.health,
    e.ready ? 'yes' : 'no',
  ]);
  const table = renderTable(
    ['REPLICA', 'NODE', 'MESH ADDRESS', 'ADDRESSES', 'STATE', 'HEALTH', 'READY'],
    rows,
  );
  const ports = renderPorts(r);
  return ports ? `${table}\nPORTS\n${ports}` : table;
}

/** `fizz inspect SERVICE`: where a service's replicas run and where its ports answer. */
export class InspectCommand extends ProjectCommand {
  static override paths = [['inspect']];
  static override usage = Command.Usage({
    category: 'Compose',
    description: "show a service's endpoints and where its published ports answer",
    details: `
      One row per replica, wherever it runs: the node, the node's mesh address (in a
      cluster), the container's address on each network, its state, health and whether it
      takes new connections (READY: running, not unhealthy or starting, on a live node).
      Then each published port and the nodes it answers on: in a cluster every live node
      (the mesh's ingress), else this machine. \`--format json\` prints the same as one object.
    `,
    examples: [
      ['Where web runs', '$0 inspect web'],
      ['The same as JSON', '$0 inspect web --format json'],
    ],
  });

  format = Option.String('--format', 'table', { description: 'table or json' });
  service = Option.String({ name: 'SERVICE' });

  async execute(): Promise<number> {
    if (this.format !== 'table' && this.format !== 'json')
      throw new UsageError(`--format wants table or json, not "${this.format}"`);
    return this.projectNameOnly(
      async (project) => {
        const client = await this.agent();
        const r = await client.inspect(project, this.service);
        this.context.stdout.write(
          this.format === 'json' ? `${JSON.stringify(r, null, 2)}\n` : renderInspect(r),
        );
        return 0;
      },
      [this.service],
    );
  }
}
