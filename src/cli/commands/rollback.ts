import { Command, Option } from 'clipanion';
import { opsRollback } from '../../api/ops-api.js';
import { printOperation } from '../progress-printer.js';
import { ProjectCommand } from '../project-command.js';

/** `fizz rollback [service…]`: each service back one revision, in waves. */
export class RollbackCommand extends ProjectCommand {
  static override paths = [['rollback']];
  static override usage = Command.Usage({
    category: 'Compose',
    description: 'put services back at their previous revision',
    details: `
      Each named service (every service with an earlier revision when none is named) goes
      back to the spec it had before its last change, on every node of the cluster. Its
      replicas are replaced in waves under \`deploy.rollback_config\` (parallelism, delay,
      order, monitor, failure_action, max_failure_ratio) of the spec being left. The
      rollback is itself a revision: a second rollback undoes the first, as \`docker service
      rollback\` does. \`fizz history SERVICE\` lists the revisions. A service with no earlier
      revision changes nothing.
    `,
    examples: [
      ['Roll web back', '$0 rollback web'],
      ['Roll back every changed service', '$0 rollback'],
    ],
  });

  services = Option.Rest({ name: 'SERVICE' });

  async execute(): Promise<number> {
    return this.projectNameOnly(async (project) => {
      const client = await this.agent();
      const done = await printOperation(
        opsRollback(client, { project, services: this.services }),
        this.context.stderr,
        this.stderrTty,
      );
      return done.ok ? 0 : 1;
    }, this.services);
  }
}
