import { Command, Option, UsageError } from 'clipanion';
import { clusterNodes, type NodeInfo } from '../../api/cluster-api.js';
import { ClusterCommand } from '../cluster-command.js';
import { renderTable } from '../table.js';

export function renderNodes(nodes: NodeInfo[], format: 'table' | 'json'): string {
  if (format === 'json')
    return `${JSON.stringify(
      nodes.map((n) => ({
        name: n.name,
        id: n.id,
        address: n.address,
        state: n.state,
        labels: n.labels,
        capacity: n.capacity,
        replicas: n.replicas,
        version: n.version,
        self: n.self,
        ...(n.incarnation !== undefined ? { incarnation: n.incarnation } : {}),
        ...(n.dropped ? { dropped: n.dropped } : {}),
      })),
    )}\n`;
  return renderTable(
    ['NAME', 'ADDRESS', 'STATE', 'REPLICAS', 'CAPACITY', 'LABELS', 'VERSION'],
    nodes.map((n) => [
      n.self ? `${n.name} *` : n.name,
      n.address,
      n.state,
      String(n.replicas),
      n.capacity === 0 ? '0 (drained)' : String(n.capacity),
      Object.entries(n.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(',') || '-',
      n.version,
    ]),
  );
}

/** `fizz nodes`: the members of this node's cluster. */
export class NodesCommand extends ClusterCommand {
  static override paths = [['nodes']];
  static override usage = Command.Usage({
    category: 'Cluster',
    description: 'list the nodes of the cluster',
    details: `
      One line per member as this node sees it: NAME (\`*\` marks this node), ADDRESS,
      STATE (alive, suspect, dead or left), the REPLICAS it reports running, CAPACITY (0:
      drained), LABELS and VERSION. \`--format json\` for scripts.
    `,
    examples: [
      ['The members', '$0 nodes'],
      ['As JSON', '$0 nodes --format json'],
    ],
  });

  format = Option.String('--format', 'table', { description: 'table or json' });

  async execute(): Promise<number> {
    if (this.format !== 'table' && this.format !== 'json')
      throw new UsageError(`--format wants table or json, not "${this.format}"`);
    const res = await clusterNodes(await this.agent());
    this.context.stdout.write(renderNodes(res.nodes, this.format));
    if (this.format === 'table' && res.clustered && !res.majority)
      this.context.stderr.write(
        'warning: this node sees no majority of the cluster: it keeps its replicas and takes over none\n',
      );
    return 0;
  }
}
