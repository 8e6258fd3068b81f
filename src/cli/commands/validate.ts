import { Command } from 'clipanion';
import { ComposeCommand } from '../compose-options.js';

/** `fizz validate`: says whether the compose project loads, or prints every error. */
export class ValidateCommand extends ComposeCommand {
  static override paths = [['validate']];

  static override usage = Command.Usage({
    category: 'Compose',
    description: 'Check a compose project and print every error',
    details: `
      Loads and checks the project like \`fizz config\` (YAML syntax, interpolation, the
      compose-spec schema, references between services, networks, volumes, secrets and
      configs, dependency cycles, ports, durations, sizes). Prints a one-line summary when the
      project is valid; otherwise every error with file:line:column, the key path, what was
      expected and a did-you-mean for misspelled keys, and exits with 1.
    `,
    examples: [
      ['Check the compose file of this directory', '$0 validate'],
      ['Check a given file', '$0 validate -f examples/web/compose.yaml'],
    ],
  });

  async execute(): Promise<number> {
    return this.withProject(async (project) => {
      const n = Object.keys(project.services).length;
      this.context.stdout.write(`valid: project ${project.name}, ${n} service${n === 1 ? '' : 's'}\n`);
      return 0;
    });
  }
}
