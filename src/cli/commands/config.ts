import { Command, Option, UsageError } from 'clipanion';
import type { ProjectSpec } from '../../compose/index.js';
import { composeConfigModel, imagesOf, profilesOf } from '../../compose/render.js';
import { ComposeCommand } from '../compose-options.js';

/** `fizz config`: the project after loading, in the shape `docker compose config` prints. */
export class ConfigCommand extends ComposeCommand {
  static override paths = [['config']];

  static override usage = Command.Usage({
    category: 'Compose',
    description: 'Parse, resolve and render the compose file in canonical format',
    details: `
      Loads the project exactly as \`fizz up\` would (file discovery, override files, \`.env\`,
      interpolation, \`extends\`, \`include\`, profiles, validation) and prints the normalized
      model: long syntax everywhere, environment as a map (with \`env_file\` merged), paths
      absolute, published ports as strings, durations as Go duration strings (\`1m30s\`), sizes
      in bytes, keys sorted. The output has the shape of \`docker compose config\`, so tools
      that read that can read this.

      Errors are printed with file:line:column and the key path; the exit code is then 1.
    `,
    examples: [
      ['Print the project as YAML', '$0 config'],
      ['Print it as JSON', '$0 config --format json'],
      ['Merge two files', '$0 -f compose.yaml -f compose.prod.yaml config'],
      ['List the services', '$0 config --services'],
      ['Only check the file', '$0 config -q'],
    ],
  });

  format = Option.String('--format', 'yaml', { description: 'Output format: yaml or json' });
  services = Option.Boolean('--services', false, { description: 'Print the service names, one per line' });
  volumes = Option.Boolean('--volumes', false, { description: 'Print the volume names, one per line' });
  profilesFlag = Option.Boolean('--profiles', false, {
    description: 'Print the profile names, one per line',
  });
  images = Option.Boolean('--images', false, { description: 'Print the image names, one per line' });
  quiet = Option.Boolean('-q,--quiet', false, {
    description: 'Only validate the configuration, print nothing',
  });

  async execute(): Promise<number> {
    if (this.format !== 'yaml' && this.format !== 'json')
      throw new UsageError(`--format must be yaml or json, not ${JSON.stringify(this.format)}`);
    if (this.profilesFlag) {
      // Every profile the file names, whichever are enabled: load with all of them on.
      this.profiles = ['*'];
      return this.withProject(async (p) => this.lines(profilesOf(p)));
    }
    return this.withProject(async (project) => this.print(project));
  }

  private lines(items: string[]): number {
    for (const item of items) this.context.stdout.write(`${item}\n`);
    return 0;
  }

  private async print(project: ProjectSpec): Promise<number> {
    if (this.quiet) return 0;
    if (this.services) return this.lines(Object.keys(project.services).sort());
    if (this.volumes) return this.lines(Object.keys(project.volumes).sort());
    if (this.images) return this.lines(imagesOf(project));
    const model = composeConfigModel(project, this.format === 'json' ? 'json' : 'yaml');
    if (this.format === 'json') this.context.stdout.write(`${JSON.stringify(model, null, 2)}\n`);
    // The YAML printer is loaded only here: the yaml package costs every other command ~30 ms of start.
    else this.context.stdout.write((await import('../config-yaml.js')).toYaml(model));
    return 0;
  }
}
