import { Command, Option, UsageError } from 'clipanion';
import type { UpRequest } from '../../api/protocol.js';
import { configFilePaths } from '../config-files.js';
import { printOperation } from '../progress-printer.js';
import { ProjectCommand } from '../project-command.js';
import { parsePull, parseScale } from '../up-options.js';

/** `fizz create`: the containers of the project, made but not started, as `docker compose create`. */
export class CreateCommand extends ProjectCommand {
  static override paths = [['create']];
  static override usage = Command.Usage({
    category: 'Compose',
    description: 'create the containers of a compose project without starting them',
    details: `
      Hands the project to the agent as \`up\` does (images pulled or built first), but the
      services that were not up yet get their containers created and left stopped:
      \`fizz start\` (or \`fizz up\`) starts them. A service that already runs keeps running
      (a changed one is recreated, as by \`up\`).
    `,
    examples: [
      ['Create every container', '$0 create'],
      ['Create web and what it depends on, building its image first', '$0 create --build web'],
    ],
  });

  services = Option.Rest({ name: 'service' });
  forceRecreate = Option.Boolean('--force-recreate', false, {
    description: 'Recreate containers even if their configuration has not changed',
  });
  noRecreate = Option.Boolean('--no-recreate', false, {
    description: 'Keep the containers of services already up, even if their configuration changed',
  });
  pull = Option.String('--pull', {
    description: "Pull images first: always, missing or never (default: each service's pull_policy)",
  });
  build = Option.Boolean('--build', {
    description: "Build images first (--no-build: don't build an image, even if it's missing)",
  });
  scale = Option.Array('--scale', { description: 'SERVICE=NUM: NUM replicas of SERVICE (repeatable)' });

  async execute(): Promise<number> {
    if (this.forceRecreate && this.noRecreate)
      throw new UsageError('--force-recreate and --no-recreate cannot be combined');
    const options: Omit<UpRequest, 'spec'> = { noStart: true, dockerConfig: this.dockerConfig };
    if (this.services.length > 0) options.services = this.services;
    if (this.forceRecreate) options.forceRecreate = true;
    if (this.noRecreate) options.noRecreate = true;
    if (this.pull !== undefined) options.pull = parsePull(this.pull);
    if (this.build === true) options.build = true;
    if (this.build === false) options.noBuild = true;
    if (this.scale?.length) options.scale = parseScale(this.scale);
    return this.withProject(async (spec) => {
      if (!this.knownServices(spec, [...this.services, ...Object.keys(options.scale ?? {})])) return 1;
      const client = await this.agent();
      const req: UpRequest = { spec, ...options, configFiles: configFilePaths(this.composeLoadOptions()) };
      const done = await printOperation(client.up(req), this.context.stderr, this.stderrTty);
      return done.ok ? 0 : 1;
    });
  }
}
