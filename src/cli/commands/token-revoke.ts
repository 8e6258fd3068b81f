import { Command, Option, UsageError } from 'clipanion';
import { clusterRevoke } from '../../api/cluster-api.js';
import { ClusterCommand } from '../cluster-command.js';

/** `fizz token revoke TOKEN | --all`. */
export class TokenRevokeCommand extends ClusterCommand {
  static override paths = [['token', 'revoke']];
  static override usage = Command.Usage({
    category: 'Cluster',
    description: 'revoke a join token, or all of them',
    details: `
      A revoked token admits nobody, on any member, from the moment the revocation reaches
      it (gossip, within a second on a LAN). Members already in stay in: to remove one, use
      \`fizz node rm\`.
    `,
    examples: [
      ['One token', '$0 token revoke FIZZ2-…'],
      ['Every token', '$0 token revoke --all'],
    ],
  });

  token = Option.String({ required: false, name: 'TOKEN' });
  all = Option.Boolean('--all', false, { description: 'Revoke every token' });

  async execute(): Promise<number> {
    if (this.all === (this.token !== undefined)) throw new UsageError('give one TOKEN, or --all');
    const n = await clusterRevoke(await this.agent(), this.all ? undefined : this.token);
    this.context.stdout.write(`${n} token${n === 1 ? '' : 's'} revoked\n`);
    return 0;
  }
}
