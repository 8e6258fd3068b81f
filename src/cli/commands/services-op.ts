import { Command, Option } from 'clipanion';
import { printOperation } from '../progress-printer.js';
import { ProjectCommand } from '../project-command.js';

type Op = 'start' | 'stop' | 'restart';

/** The shape `fizz start`, `fizz stop` and `fizz restart` share: an operation on some services. */
abstract class ServicesOpCommand extends ProjectCommand {
  abstract readonly op: Op;
  services = Option.Rest({ name: 'service' });

  async execute(): Promise<number> {
    return this.projectNameOnly(async (project) => {
      const client = await this.agent();
      const done = await printOperation(
        client[this.op]({ project, services: this.services }),
        this.context.stderr,
        this.stderrTty,
      );
      return done.ok ? 0 : 1;
    }, this.services);
  }
}

export class StartCommand extends ServicesOpCommand {
  readonly op = 'start';
  static override paths = [['start']];
  static override usage = Command.Usage({
    category: 'Compose',
    description: 'start stopped services',
    details: 'Clears the stopped mark of the services (all when none is named) and starts their containers.',
    examples: [['Start the web service', '$0 start web']],
  });
}

export class StopCommand extends ServicesOpCommand {
  readonly op = 'stop';
  static override paths = [['stop']];
  static override usage = Command.Usage({
    category: 'Compose',
    description: 'stop services without removing them',
    details:
      'Marks the services (all when none is named) stopped in the desired state, so the agent keeps their containers stopped, and stops them.',
    examples: [['Stop every service', '$0 stop']],
  });
}

export class RestartCommand extends ServicesOpCommand {
  readonly op = 'restart';
  static override paths = [['restart']];
  static override usage = Command.Usage({
    category: 'Compose',
    description: 'restart service containers',
    examples: [['Restart the web service', '$0 restart web']],
  });
}
