import { Command, Option } from 'clipanion';
import { printOperation } from '../progress-printer.js';
import { ProjectCommand } from '../project-command.js';
import { parseScale } from '../up-options.js';

/** `fizz scale web=3 db=0`: replicas kept in the desired state, on every node of the cluster. */
export class ScaleCommand extends ProjectCommand {
  static override paths = [['scale']];
  static override usage = Command.Usage({
    category: 'Compose',
    description: 'set the number of replicas of services',
    details: `
      Writes \`SERVICE=NUM\` into the desired state (durably; it is the replicated state a
      cluster's placement spreads over its machines — today the agent runs one machine),
      then the agent creates or removes containers until NUM replicas run; NUM may be 0. It wins over the file's
      \`deploy.replicas\` and \`scale\`, survives an agent restart, and lasts until the next
      \`fizz up\` of the service, which goes back to the file's count (or its \`--scale\`),
      as the next \`docker compose up\` does. A scaled service runs (a \`fizz stop\` mark is
      cleared). An unknown service or a bad number changes nothing.
    `,
    examples: [
      ['Run three replicas of web', '$0 scale web=3'],
      ['Three web, no worker', '$0 scale web=3 worker=0'],
    ],
  });

  pairs = Option.Rest({ name: 'SERVICE=NUM', required: 1 });

  async execute(): Promise<number> {
    const scale = parseScale(this.pairs, 'scale');
    return this.projectNameOnly(async (project) => {
      const client = await this.agent();
      const done = await printOperation(
        client.scale({ project, scale }),
        this.context.stderr,
        this.stderrTty,
      );
      return done.ok ? 0 : 1;
    }, Object.keys(scale));
  }
}
