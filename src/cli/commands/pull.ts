import { Command, Option } from 'clipanion';
import type { PullRequest } from '../../api/protocol.js';
import { printOperation } from '../progress-printer.js';
import { ProjectCommand } from '../project-command.js';

/** `fizz pull [service…]`, as docker compose pull. */
export class PullCommand extends ProjectCommand {
  static override paths = [['pull']];
  static override usage = Command.Usage({
    category: 'Compose',
    description: "pull the images of the project's services",
    details: `
      Pulls the image of each service (all when none is named) from its registry, with the
      credentials the docker CLI keeps (\`~/.docker/config.json\`, or \`$DOCKER_CONFIG\`; its
      credential helpers when installed). Skipped, as docker compose skips them: a service
      without \`image:\`, one with \`pull_policy: never\` or \`build\`, one with an explicit
      \`pull_policy: missing\` whose image (not \`:latest\`) is already here, and an image
      another service is already pulling.

      A failed pull is an error, unless the service has a build section (a warning: build it
      with \`fizz build\`) or \`--ignore-pull-failures\` is given. On a terminal each image has
      a line with its layers' bar and the bytes so far; piped, a line per layer change.
    `,
    examples: [
      ['Pull every image of the project', '$0 pull'],
      ['Pull the image of web only, quietly', '$0 pull -q web'],
    ],
  });

  ignorePullFailures = Option.Boolean('--ignore-pull-failures', false, {
    description: 'Pull what can be pulled; failures are warnings',
  });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Print no progress, only errors' });
  services = Option.Rest({ name: 'service' });

  async execute(): Promise<number> {
    return this.withProject(async (spec) => {
      if (!this.knownServices(spec, this.services)) return 1;
      const req: PullRequest = { spec, dockerConfig: this.dockerConfig };
      if (this.services.length) req.services = this.services;
      if (this.ignorePullFailures) req.ignorePullFailures = true;
      const client = await this.agent();
      const done = await printOperation(client.pull(req), this.context.stderr, this.stderrTty, {
        quiet: this.quiet,
      });
      return done.ok ? 0 : 1;
    });
  }
}
