import { Command, Option, UsageError } from 'clipanion';
import { clusterToken } from '../../api/cluster-api.js';
import { parseDuration } from '../../compose/units.js';
import { ClusterCommand } from '../cluster-command.js';

/** A `--ttl` value (`1h`, `30m`, `168h`) in ms, else a usage error. */
export function parseTtl(text: string): number {
  let ns: number;
  try {
    ns = parseDuration(text);
  } catch {
    throw new UsageError(`--ttl wants a duration such as 1h, 30m or 168h, not "${text}"`);
  }
  if (ns <= 0) throw new UsageError(`--ttl must be above zero, not "${text}"`);
  return ns / 1e6;
}

/** `fizz token [--ttl D]`: a new join token of this node's cluster. */
export class TokenCommand extends ClusterCommand {
  static override paths = [['token']];
  static override usage = Command.Usage({
    category: 'Cluster',
    description: "print a new token other machines join this node's cluster with",
    details: `
      Each call makes a new token, valid for \`--ttl\` (24h unless given; at most 366
      days) until \`fizz token revoke\`. It holds a random join secret, the cluster's
      fingerprint and a few members' addresses, not the cluster key: a joiner proves the
      secret to a member, which then hands it the key over an encrypted channel. Keep it
      secret until it expires. \`--no-addresses\` leaves the addresses out, for a LAN
      where they change: \`fizz join --token T\` then finds a member by mDNS.
    `,
    examples: [
      ['A token valid for a day', '$0 token'],
      ['Valid for an hour', '$0 token --ttl 1h'],
      ['Found on the LAN by mDNS, not by address', '$0 token --no-addresses'],
    ],
  });

  ttl = Option.String('--ttl', { description: 'How long the token is valid (default 24h)' });
  addresses = Option.Boolean('--addresses', true, {
    description: "List members' addresses in the token (--no-addresses: joiners find one by mDNS)",
  });

  async execute(): Promise<number> {
    const ttlMs = this.ttl === undefined ? undefined : parseTtl(this.ttl);
    const res = await clusterToken(await this.agent(), ttlMs, this.addresses);
    this.context.stdout.write(`${res.token}\n`);
    return 0;
  }
}
