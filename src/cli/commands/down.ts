import { Command, Option } from 'clipanion';
import { printOperation } from '../progress-printer.js';
import { ProjectCommand } from '../project-command.js';

/** `fizz down`: removes the project from the desired state and everything it made. */
export class DownCommand extends ProjectCommand {
  static override paths = [['down']];
  static override usage = Command.Usage({
    category: 'Compose',
    description: 'stop and remove the containers and networks of a compose project',
    details: `
      Removes the project from the agent's desired state (durably), then stops and removes
      its containers and networks. Named volumes stay unless \`-v\` is given; external
      networks and volumes are never removed.
    `,
    examples: [
      ['Remove the project', '$0 down'],
      ['Remove it with its named volumes', '$0 down -v'],
    ],
  });

  volumes = Option.Boolean('-v,--volumes', false, { description: 'Remove named volumes too' });
  removeOrphans = Option.Boolean('--remove-orphans', true, {
    description: 'Accepted for compatibility (always on)',
  });

  async execute(): Promise<number> {
    return this.projectNameOnly(async (project) => {
      const client = await this.agent();
      const done = await printOperation(
        client.down({ project, volumes: this.volumes }),
        this.context.stderr,
        this.stderrTty,
      );
      return done.ok ? 0 : 1;
    });
  }
}
