import { Command, Option } from 'clipanion';
import { clusterJoin } from '../../api/cluster-api.js';
import { ClusterCommand } from '../cluster-command.js';

/** `fizz join <peer> --token T`: this machine joins a cluster. */
export class JoinCommand extends ClusterCommand {
  static override paths = [['join']];
  static override usage = Command.Usage({
    category: 'Cluster',
    description: 'join this machine to a cluster',
    details: `
      Joins through PEER (\`host\` or \`host:port\`; without it, through the addresses in the
      token, then through members found on the LAN by mDNS) with the token \`fizz init\` or
      \`fizz token\` printed on a member. A wrong or damaged token is refused and changes
      nothing on either side. Once joined, the node rejoins on its own after a restart.
    `,
    examples: [
      ['Join through a member', '$0 join 10.0.0.5 --token FIZZ2-…'],
      ['Join a member found on the LAN', '$0 join --token FIZZ2-…'],
    ],
  });

  peer = Option.String({ required: false, name: 'PEER' });
  token = Option.String('--token', { description: 'The join token (FIZZ_TOKEN when not given)' });
  listen = Option.String('--listen,--advertise', { description: 'ADDR[:PORT] to listen on and advertise' });
  name = Option.String('--name', { description: "This node's name (default: the hostname)" });
  labels = Option.Array('--label', [], { description: 'KEY=VALUE label of this node' });

  async execute(): Promise<number> {
    const token = this.token ?? process.env.FIZZ_TOKEN;
    if (!token) {
      this.context.stderr.write(
        'error: a join token is needed: --token T (print one with `fizz token` on a member)\n',
      );
      return 2;
    }
    const client = await this.agent();
    const res = await clusterJoin(client, {
      token,
      ...(this.peer ? { peer: this.peer } : {}),
      ...(this.listen ? { address: this.listen } : {}),
      ...(this.name ? { name: this.name } : {}),
      labels: ClusterCommand.labelMap(this.labels),
    });
    this.context.stdout.write(
      `Joined: node "${res.name}" at ${res.address}; ${res.members} members alive.\n`,
    );
    return 0;
  }
}
