import { Command } from 'clipanion';
import { clusterKeyRotate } from '../../api/cluster-api.js';
import { ClusterCommand } from '../cluster-command.js';

/** `fizz key rotate`. */
export class KeyRotateCommand extends ClusterCommand {
  static override paths = [['key', 'rotate']];
  static override usage = Command.Usage({
    category: 'Cluster',
    description: 'replace the cluster key on every member, with no downtime',
    details: `
      Makes a new cluster key and rolls it through every live member: first each accepts it
      beside the old one, then each seals with it, then each drops the old one. Every member
      stays a member throughout. The new key travels sealed to each member's own node key,
      never to a removed node. Join tokens made before are revoked: make a new one with
      \`fizz token\`. A member that is down during the rotation keeps the old key and cannot
      rejoin: \`fizz leave\` it and join it again with a new token.
    `,
    examples: [['Rotate the key', '$0 key rotate']],
  });

  async execute(): Promise<number> {
    const r = await clusterKeyRotate(await this.agent());
    this.context.stdout.write(
      `cluster key rotated on ${r.members} member${r.members === 1 ? '' : 's'} (${r.id})\n`,
    );
    return 0;
  }
}
