import { Command, Option } from 'clipanion';
import { printOperation } from '../progress-printer.js';
import { ProjectCommand } from '../project-command.js';
import { parseTimeout } from '../seconds.js';

/** `fizz down`: removes the project from the desired state and everything it made. */
export class DownCommand extends ProjectCommand {
  static override paths = [['down']];
  static override usage = Command.Usage({
    category: 'Compose',
    description: 'stop and remove the containers and networks of a compose project',
    details: `
      Removes the project from the agent's desired state (durably), then stops and removes
      its containers (the one-offs of \`fizz run\` too) and networks. Named volumes stay unless \`-v\` is given; external
      networks and volumes are never removed. Each container is stopped with its stop
      signal and killed after \`-t\` seconds (default: the service's stop_grace_period,
      else 10 s).
    `,
    examples: [
      ['Remove the project', '$0 down'],
      ['Remove it with its named volumes', '$0 down -v'],
      ['Remove it, killing containers that have not stopped after 1 s', '$0 down -t 1'],
    ],
  });

  volumes = Option.Boolean('-v,--volumes', false, { description: 'Remove named volumes too' });
  removeOrphans = Option.Boolean('--remove-orphans', true, {
    description: 'Accepted for compatibility (always on)',
  });
  timeout = Option.String('-t,--timeout', {
    description: 'Seconds to wait for each container to stop before killing it',
  });

  async execute(): Promise<number> {
    const timeout = this.timeout === undefined ? undefined : parseTimeout(this.timeout);
    return this.projectNameOnly(async (project) => {
      const client = await this.agent();
      let removed = 0;
      const events = client.down({
        project,
        volumes: this.volumes,
        ...(timeout !== undefined ? { timeout } : {}),
      });
      async function* counted() {
        for await (const ev of events) {
          if (ev.type === 'progress') removed++;
          yield ev;
        }
      }
      const done = await printOperation(counted(), this.context.stderr, this.stderrTty);
      // As docker compose does: say so rather than finish in silence.
      if (done.ok && removed === 0)
        this.context.stderr.write(`Warning: No resource found to remove for project "${project}".\n`);
      return done.ok ? 0 : 1;
    });
  }
}
