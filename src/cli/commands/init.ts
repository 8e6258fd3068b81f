import { Command, Option, UsageError } from 'clipanion';
import { clusterInit } from '../../api/cluster-api.js';
import { ClusterCommand } from '../cluster-command.js';

/** `fizz init`: this machine becomes the first node of a new cluster. */
export class InitCommand extends ClusterCommand {
  static override paths = [['init']];
  static override usage = Command.Usage({
    category: 'Cluster',
    description: 'make this machine the first node of a new cluster',
    details: `
      Creates the cluster key, starts membership on this node's address (UDP and TCP, port
      7171 unless given, and TCP 7172 for admissions) and prints a join token, valid for 24
      hours, and the \`fizz join\` line to run on the other machines. The token does not
      hold the key; keep it secret until it expires (\`fizz token revoke\` ends it sooner).

      \`--tie\` says what a side that sees exactly half of the cluster does (a two-node
      cluster cut in two): \`availability\` (default) takes over the other half's replicas,
      so both halves may run them until the network heals, after which the surplus stops;
      \`safety\` starts nothing for the members it cannot see.
    `,
    examples: [
      ['Start a cluster', '$0 init'],
      ['On a given address and name', '$0 init --listen 10.0.0.5:7171 --name rack1'],
    ],
  });

  listen = Option.String('--listen,--advertise', { description: 'ADDR[:PORT] to listen on and advertise' });
  name = Option.String('--name', { description: "This node's name (default: the hostname)" });
  tie = Option.String('--tie', 'availability', { description: 'availability or safety (see above)' });
  labels = Option.Array('--label', [], { description: 'KEY=VALUE label of this node' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Print only the token' });

  async execute(): Promise<number> {
    if (this.tie !== 'availability' && this.tie !== 'safety')
      throw new UsageError(`--tie wants availability or safety, not "${this.tie}"`);
    const client = await this.agent();
    const res = await clusterInit(client, {
      ...(this.listen ? { address: this.listen } : {}),
      ...(this.name ? { name: this.name } : {}),
      tie: this.tie,
      labels: ClusterCommand.labelMap(this.labels),
    });
    if (this.quiet) {
      this.context.stdout.write(`${res.token}\n`);
      return 0;
    }
    this.context.stdout.write(
      `Cluster created: node "${res.name}" listens on ${res.address} (ties: ${res.tie}).\n` +
        'To add a machine, run on it:\n\n' +
        `  fizz join ${res.address} --token ${res.token}\n\n` +
        'The token is valid for 24 hours; `fizz token` makes another, `fizz token revoke` ends one.\n',
    );
    return 0;
  }
}
