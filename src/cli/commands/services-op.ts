import { Command, Option } from 'clipanion';
import type { ServicesRequest } from '../../api/protocol.js';
import { printOperation } from '../progress-printer.js';
import { ProjectCommand } from '../project-command.js';
import { parseTimeout } from '../seconds.js';

type Op = 'start' | 'stop' | 'restart' | 'pause' | 'unpause';

/** The shape `fizz start`, `stop`, `restart`, `pause` and `unpause` share: an operation on some services. */
abstract class ServicesOpCommand extends ProjectCommand {
  abstract readonly op: Op;
  services = Option.Rest({ name: 'service' });

  /** The request for `project`; a command with more options adds them. */
  request(project: string): ServicesRequest {
    return { project, services: this.services };
  }

  async execute(): Promise<number> {
    return this.projectNameOnly(async (project) => {
      const req = this.request(project);
      const client = await this.agent();
      const done = await printOperation(client[this.op](req), this.context.stderr, this.stderrTty);
      return done.ok ? 0 : 1;
    }, this.services);
  }
}

/** `stop` and `restart`: with `-t/--timeout`, the grace period before a container is killed. */
abstract class TimedServicesOpCommand extends ServicesOpCommand {
  timeout = Option.String('-t,--timeout', {
    description: 'Seconds to wait for each container to stop before killing it',
  });

  override request(project: string): ServicesRequest {
    const req = super.request(project);
    if (this.timeout !== undefined) req.timeout = parseTimeout(this.timeout);
    return req;
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

export class StopCommand extends TimedServicesOpCommand {
  readonly op = 'stop';
  static override paths = [['stop']];
  static override usage = Command.Usage({
    category: 'Compose',
    description: 'stop services without removing them',
    details:
      "Marks the services (all when none is named) stopped in the desired state, so the agent keeps their containers stopped, and stops them: each with its stop signal, killed after `-t` seconds (default: the service's stop_grace_period, else 10 s).",
    examples: [
      ['Stop every service', '$0 stop'],
      ['Stop the web service, killing it if it has not stopped after 2 s', '$0 stop -t 2 web'],
    ],
  });
}

export class RestartCommand extends TimedServicesOpCommand {
  readonly op = 'restart';
  static override paths = [['restart']];
  static override usage = Command.Usage({
    category: 'Compose',
    description: 'restart service containers',
    details:
      "Restarts the services' containers (all when none is named). Each is stopped with its stop signal and killed after `-t` seconds (default: the service's stop_grace_period, else 10 s), then started again. The agent runs no reconcile pass meanwhile.",
    examples: [
      ['Restart the web service', '$0 restart web'],
      ['Restart everything, killing what has not stopped after 2 s', '$0 restart -t 2'],
    ],
  });
}

export class PauseCommand extends ServicesOpCommand {
  readonly op = 'pause';
  static override paths = [['pause']];
  static override usage = Command.Usage({
    category: 'Compose',
    description: 'pause services',
    details:
      "Freezes every process of the services' running containers (all services when none is named). The agent's loop leaves a paused container alone: it neither restarts nor recreates it, and `fizz ps` shows it paused, until `fizz unpause`.",
    examples: [
      ['Pause the web service', '$0 pause web'],
      ['Pause everything', '$0 pause'],
    ],
  });
}

export class UnpauseCommand extends ServicesOpCommand {
  readonly op = 'unpause';
  static override paths = [['unpause']];
  static override usage = Command.Usage({
    category: 'Compose',
    description: 'unpause services',
    details: "Thaws the services' paused containers (all services when none is named).",
    examples: [['Unpause the web service', '$0 unpause web']],
  });
}
