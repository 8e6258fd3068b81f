import { Command, Option } from 'clipanion';
import { EngineCommand } from '../engine-command.js';
import { printOperation } from '../progress-printer.js';

/** `fizz wait`: blocks until the services' containers stop, as `docker compose wait`. */
export class WaitCommand extends EngineCommand {
  static override paths = [['wait']];
  static override usage = Command.Usage({
    category: 'Compose',
    description: 'block until the containers of services stop, and print their exit codes',
    details: `
      Waits for every container of the named services (this machine's) to stop and prints
      each one's exit code, one per line, in service and replica order. With
      \`--down-project\`, then brings the whole project down. Exits 0 (a container's code
      is printed, not returned), as docker compose wait does.

      Note that the agent starts again a container whose restart policy says so.
    `,
    examples: [
      ['Wait for a one-shot job', '$0 wait migrate'],
      ['Wait for the tests, then remove everything', '$0 wait --down-project tests'],
    ],
  });

  downProject = Option.Boolean('--down-project', false, {
    description: 'Bring the project down once the containers stopped',
  });
  services = Option.Rest({ name: 'service', required: 1 });

  async execute(): Promise<number> {
    return this.projectNameOnly(async (project) => {
      const { engine, list } = await this.containers(project, this.services);
      const codes = await Promise.all(list.map((c) => engine.wait(c.id)));
      for (const code of codes) this.context.stdout.write(`${code}\n`);
      if (!this.downProject) return 0;
      const client = await this.agent();
      const done = await printOperation(client.down({ project }), this.context.stderr, this.stderrTty);
      return done.ok ? 0 : 1;
    }, this.services);
  }
}
