import { Command, Option, UsageError } from 'clipanion';
import type { BuildRequest } from '../../api/protocol.js';
import { printOperation } from '../progress-printer.js';
import { ProjectCommand } from '../project-command.js';

/** `--build-arg K=V` values; a bare `K` takes its value from the environment, or is left out (as docker compose). */
export function parseBuildArgs(list: string[], env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf('=');
    const key = eq < 0 ? item : item.slice(0, eq);
    if (!key) throw new UsageError(`--build-arg wants KEY=VALUE, not "${item}"`);
    if (eq >= 0) out[key] = item.slice(eq + 1);
    else if (env[key] !== undefined) out[key] = env[key]!;
  }
  return out;
}

/** `fizz build [service…]`, as docker compose build. */
export class BuildCommand extends ProjectCommand {
  static override paths = [['build']];
  static override usage = Command.Usage({
    category: 'Compose',
    description: "build the images of the project's services",
    details: `
      Builds the image of each service with a build section (all when none is named), one at
      a time in dependency order, with the engine's builder: the context directory is sent
      without what its \`.dockerignore\` leaves out; \`dockerfile\`, \`dockerfile_inline\`,
      \`args\`, \`target\`, \`labels\`, \`tags\`, \`network\`, \`extra_hosts\`, \`shm_size\`,
      \`no_cache\`, \`pull\` and \`cache_from\` are honoured. The image is named \`image:\`, or
      \`<project>-<service>\` without one, as docker compose names it.

      The builder's output is printed with the service's name in front. A failing step stops
      the build and is named with its Dockerfile line. A git or HTTP context is refused: Fizz
      works offline, so clone the repository and point the context at the clone.
    `,
    examples: [
      ['Build every image of the project', '$0 build'],
      ['Build web from scratch with a build arg', '$0 build --no-cache --build-arg VERSION=2 web'],
    ],
  });

  noCache = Option.Boolean('--no-cache', false, { description: 'Do not use the build cache' });
  pull = Option.Boolean('--pull', false, { description: 'Always try to pull a newer base image' });
  buildArgs = Option.Array('--build-arg', {
    description: 'KEY=VALUE: a build arg for every image built (repeatable; KEY alone: from the environment)',
  });
  quiet = Option.Boolean('-q,--quiet', false, {
    description: 'Print no progress or build output, only errors',
  });
  services = Option.Rest({ name: 'service' });

  async execute(): Promise<number> {
    const args = parseBuildArgs(this.buildArgs ?? [], this.context.env ?? process.env);
    return this.withProject(async (spec) => {
      if (!this.knownServices(spec, this.services)) return 1;
      const req: BuildRequest = { spec, dockerConfig: this.dockerConfig };
      if (this.services.length) req.services = this.services;
      if (this.noCache) req.noCache = true;
      if (this.pull) req.pull = true;
      if (Object.keys(args).length) req.buildArgs = args;
      const client = await this.agent();
      const done = await printOperation(client.build(req), this.context.stderr, this.stderrTty, {
        quiet: this.quiet,
      });
      return done.ok ? 0 : 1;
    });
  }
}
