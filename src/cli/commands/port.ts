import { Command, Option, UsageError } from 'clipanion';
import type { PsEntry } from '../../api/protocol.js';
import { ProjectCommand } from '../project-command.js';

/**
 * The public `host:port` of a container's private port, as docker compose port prints it
 * (`0.0.0.0:8080`); an IPv4 binding before an IPv6 one. Undefined when not published.
 */
export function publicAddress(
  entry: Pick<PsEntry, 'ports'>,
  port: number,
  protocol: string,
): string | undefined {
  const bound = entry.ports.filter(
    (p) => p.target === port && p.protocol === protocol && p.published !== undefined,
  );
  const chosen = bound.find((p) => !p.hostIp?.includes(':')) ?? bound[0];
  if (!chosen) return undefined;
  const ip = chosen.hostIp || '0.0.0.0';
  return `${ip.includes(':') ? `[${ip}]` : ip}:${chosen.published}`;
}

/** `fizz port SERVICE PRIVATE_PORT`, as docker compose port. */
export class PortCommand extends ProjectCommand {
  static override paths = [['port']];
  static override usage = Command.Usage({
    category: 'Compose',
    description: 'print the public address of a port',
    details: `
      Prints the host address and port that PRIVATE_PORT of the service's container is
      published on (replica \`--index\`, default 1), e.g. \`0.0.0.0:8080\`. A port that is
      not published, or a replica that does not exist, is an error (exit 1).
    `,
    examples: [
      ['Where web listens on its port 80', '$0 port web 80'],
      ['A UDP port of the second replica', '$0 port --protocol udp --index 2 dns 53'],
    ],
  });

  protocol = Option.String('--protocol', 'tcp', { description: 'tcp or udp' });
  index = Option.String('--index', '1', { description: 'Replica of the service (1, 2, …)' });
  service = Option.String({ name: 'SERVICE' });
  port = Option.String({ name: 'PRIVATE_PORT' });

  async execute(): Promise<number> {
    const port = Number(this.port);
    if (!/^\d+$/.test(this.port) || port < 1 || port > 65535)
      throw new UsageError(`PRIVATE_PORT wants a port number (1-65535), not "${this.port}"`);
    if (this.protocol !== 'tcp' && this.protocol !== 'udp')
      throw new UsageError(`--protocol wants tcp or udp, not "${this.protocol}"`);
    const index = Number(this.index);
    if (!/^\d+$/.test(this.index) || index < 1)
      throw new UsageError(`--index wants a replica number (1, 2, …), not "${this.index}"`);
    return this.projectNameOnly(
      async (project) => {
        const client = await this.agent();
        const { containers } = await client.ps(project, true);
        const mine = containers.filter((c) => c.project === project && c.service === this.service);
        const replica = mine.find((c) => c.replica === index - 1);
        if (!replica) {
          this.context.stderr.write(
            `error: service "${this.service}" has no container with index ${index}${mine.length ? ` (it has ${mine.length})` : ''}\n`,
          );
          return 1;
        }
        const address = publicAddress(replica, port, this.protocol);
        if (!address) {
          this.context.stderr.write(
            `error: no port ${port}/${this.protocol} published for ${replica.name}\n`,
          );
          return 1;
        }
        this.context.stdout.write(`${address}\n`);
        return 0;
      },
      [this.service],
    );
  }
}
