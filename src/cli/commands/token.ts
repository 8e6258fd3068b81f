import { Command } from 'clipanion';
import { clusterToken } from '../../api/cluster-api.js';
import { ClusterCommand } from '../cluster-command.js';

/** `fizz token`: the join token of this node's cluster. */
export class TokenCommand extends ClusterCommand {
  static override paths = [['token']];
  static override usage = Command.Usage({
    category: 'Cluster',
    description: "print the token other machines join this node's cluster with",
    details: `
      The token lists this node's address and those of a few other live members, and the
      cluster key: keep it secret.
    `,
    examples: [['Print the token', '$0 token']],
  });

  async execute(): Promise<number> {
    this.context.stdout.write(`${await clusterToken(await this.agent())}\n`);
    return 0;
  }
}
