import { Command, Option } from 'clipanion';
import { clusterNodeRm } from '../../api/cluster-api.js';
import { ClusterCommand } from '../cluster-command.js';

/** `fizz node rm NODE`. */
export class NodeRmCommand extends ClusterCommand {
  static override paths = [['node', 'rm']];
  static override usage = Command.Usage({
    category: 'Cluster',
    description: 'remove a node from the cluster for good',
    details: `
      NODE is a name or node id (\`fizz nodes\`). The node is put on the cluster's denylist:
      no member admits it again, whatever token it holds, and placement leaves it out, so
      its replicas move to the other nodes. Run it on any other member. A removed machine
      still holds the cluster key it had: see docs/security.md for what that allows.
    `,
    examples: [['Remove node h3', '$0 node rm h3']],
  });

  node = Option.String({ name: 'NODE' });

  async execute(): Promise<number> {
    const id = await clusterNodeRm(await this.agent(), this.node);
    this.context.stdout.write(`removed ${this.node} (${id})\n`);
    return 0;
  }
}
