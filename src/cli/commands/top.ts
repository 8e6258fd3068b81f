import { Command, Option } from 'clipanion';
import type { TopEntry } from '../../api/protocol.js';
import { ProjectCommand } from '../project-command.js';
import { renderTable } from '../table.js';

/** Per container, its name, then its processes as an aligned table; a blank line between containers. */
export function renderTop(containers: TopEntry[]): string {
  return containers
    .map((c) => `${c.name}${c.node ? ` (${c.node})` : ''}\n${renderTable(c.titles, c.processes)}`)
    .join('\n');
}

/** `fizz top [service…]`, as docker compose top. */
export class TopCommand extends ProjectCommand {
  static override paths = [['top']];
  static override usage = Command.Usage({
    category: 'Compose',
    description: 'show the running processes',
    details: `
      For each running container of the services (all when none is named), its name and
      the engine's process list (UID, PID, PPID, C, STIME, TTY, TIME, CMD), columns aligned.
    `,
    examples: [
      ['The processes of every container', '$0 top'],
      ['Only those of web', '$0 top web'],
    ],
  });

  services = Option.Rest({ name: 'service' });

  async execute(): Promise<number> {
    return this.projectNameOnly(async (project) => {
      const client = await this.agent();
      const { containers, errors = [] } = await client.top(project, this.services);
      this.context.stdout.write(renderTop(containers));
      for (const e of errors) this.context.stderr.write(`error: ${e}\n`);
      return errors.length > 0 ? 1 : 0;
    }, this.services);
  }
}
