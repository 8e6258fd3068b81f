import { Command, Option, UsageError } from 'clipanion';
import type { AgentClient } from '../../api/client.js';
import type { UpRequest } from '../../api/protocol.js';
import { configFilePaths } from '../config-files.js';
import { directEngine } from '../engine.js';
import { serviceContainers } from '../engine-command.js';
import { UpInterrupt } from '../interrupt.js';
import { LogPrinter } from '../log-printer.js';
import { printOperation } from '../progress-printer.js';
import { ProjectCommand } from '../project-command.js';
import { parseTimeout } from '../seconds.js';
import { parsePull, parseScale, stoppedOnInterrupt } from '../up-options.js';

/** `fizz up`: sends the project to the agent, shows progress, then follows the logs unless -d. */
export class UpCommand extends ProjectCommand {
  static override paths = [['up']];
  static override usage = Command.Usage({
    category: 'Compose',
    description: 'create and start the containers of a compose project',
    details: `
      Loads the compose file (errors are printed with file:line:col and nothing starts),
      hands the project to the local agent (starting one when none runs) and shows its
      progress. Services start in \`depends_on\` order, waiting for \`service_healthy\` and
      \`service_completed_successfully\`; independent services start in parallel.

      Running it again changes only what changed: unchanged containers are left alone, a
      changed service is recreated (\`--force-recreate\`: every one; \`--no-recreate\`: none),
      a service removed from the file is removed (as \`--remove-orphans\` does in docker
      compose). Containers being recreated or removed are stopped with their stop signal and
      killed after \`-t\` seconds (default: the service's stop_grace_period, else 10 s).

      With service names only those services and what they depend on (transitively; not with
      \`--no-deps\`) are brought up; the other services are left as they are, running or not,
      with their current definition. \`--scale web=3\` runs 3 replicas of web for this up,
      whatever deploy.replicas or scale say. Without \`-d\` it then follows the logs (of the
      named services, when there are any); Ctrl+C stops what it brought up (\`-t\` applies),
      a second Ctrl+C kills it at once (exit status 130), as docker compose does.

      Images first, as docker compose: a missing image is pulled (\`pull_policy\`: missing, the
      default; always; never; build; daily, weekly, every_<duration>), or built when the
      service has a build section; \`--pull\` overrides every policy, \`--build\` builds every
      buildable image, \`--no-build\` builds none. A service whose image changed is recreated.
      A service whose image cannot be pulled or built is named with the image and the reason,
      keeps what it runs, and the other services still come up.
    `,
    examples: [
      ['Start in the background', '$0 up -d'],
      ['Start and wait until every service is healthy', '$0 up --wait -f examples/web/compose.yaml'],
      ['Bring up web and the services it depends on', '$0 up -d web'],
      ['Bring up only web, not its dependencies', '$0 up -d --no-deps web'],
      ['Recreate every container, even unchanged ones', '$0 up -d --force-recreate'],
      ['Run three replicas of web', '$0 up -d --scale web=3'],
      ['Rebuild the images, then start', '$0 up -d --build'],
      ['Pull every image again first', '$0 up -d --pull always'],
    ],
  });

  detach = Option.Boolean('-d,--detach', false, { description: 'Run in the background; do not follow logs' });
  wait = Option.Boolean('--wait', false, {
    description: 'Wait until services are running and healthy (implies -d)',
  });
  waitTimeout = Option.String('--wait-timeout', {
    description: 'Seconds to wait with --wait',
  });
  removeOrphans = Option.Boolean('--remove-orphans', true, {
    description: 'Remove containers of services no longer in the file (always on)',
  });

  services = Option.Rest({ name: 'service' });
  noDeps = Option.Boolean('--no-deps', false, {
    description: "Don't bring up the named services' dependencies",
  });
  forceRecreate = Option.Boolean('--force-recreate', false, {
    description: 'Recreate containers even if their configuration has not changed',
  });
  noRecreate = Option.Boolean('--no-recreate', false, {
    description: 'Keep the containers of services already up, even if their configuration changed',
  });
  timeout = Option.String('-t,--timeout', {
    description: 'Seconds to wait for containers being recreated or removed to stop before killing them',
  });
  pull = Option.String('--pull', {
    description:
      "Pull images before starting: always, missing or never (default: each service's pull_policy)",
  });
  /** `--build`: true; `--no-build` (clipanion's negation of it): false, build nothing, even a missing image. */
  build = Option.Boolean('--build', {
    description:
      "Build images before starting containers (--no-build: don't build an image, even if it's missing)",
  });
  scale = Option.Array('--scale', {
    description: 'SERVICE=NUM: run NUM replicas of SERVICE (repeatable; overrides deploy.replicas and scale)',
  });

  /** The request's fields from the new flags (their usage errors come before anything is loaded). */
  private options(): Omit<UpRequest, 'spec'> {
    if (this.forceRecreate && this.noRecreate)
      throw new UsageError('--force-recreate and --no-recreate cannot be combined');
    const req: Omit<UpRequest, 'spec'> = {};
    if (this.services.length > 0) req.services = this.services;
    if (this.noDeps) req.noDeps = true;
    if (this.forceRecreate) req.forceRecreate = true;
    if (this.noRecreate) req.noRecreate = true;
    if (this.timeout !== undefined) req.timeout = parseTimeout(this.timeout);
    if (this.scale?.length) req.scale = parseScale(this.scale);
    if (this.pull !== undefined) req.pull = parsePull(this.pull);
    if (this.build === true) req.build = true;
    if (this.build === false) req.noBuild = true;
    req.dockerConfig = this.dockerConfig;
    return req;
  }

  async execute(): Promise<number> {
    const options = this.options();
    return this.withProject(async (spec) => {
      const unknown = [...(options.services ?? []), ...Object.keys(options.scale ?? {})].filter(
        (s) => !Object.hasOwn(spec.services, s),
      );
      if (unknown.length > 0) {
        this.context.stderr.write(`error: no such service: ${[...new Set(unknown)].join(', ')}\n`);
        return 1;
      }
      const client = await this.agent();
      const req: UpRequest = { spec, wait: this.wait, ...options };
      if (this.waitTimeout !== undefined) {
        const secs = Number(this.waitTimeout);
        if (!(secs > 0)) throw new UsageError(`--wait-timeout wants seconds, not "${this.waitTimeout}"`);
        req.waitTimeoutMs = secs * 1000;
      }
      req.configFiles = configFilePaths(this.composeLoadOptions());
      const done = await printOperation(client.up(req), this.context.stderr, this.stderrTty);
      if (!done.ok) return 1;
      if (this.detach || this.wait) return 0;

      const abort = new AbortController();
      const stopped = stoppedOnInterrupt(spec, this.services, this.noDeps);
      const interrupt = new UpInterrupt({
        graceful: () => abort.abort(),
        force: () => this.killNow(client, spec.name, stopped),
        exit: () => process.exit(130),
        say: (text) => this.context.stderr.write(text),
      });
      // Kept until the end: a second Ctrl+C during the graceful stop must reach it.
      process.on('SIGINT', interrupt.onSignal);
      try {
        try {
          // As docker compose: attached to the named services, else to every one.
          const attached = this.services.length > 0 ? this.services : Object.keys(spec.services);
          const names = attached.flatMap((name) => {
            const s = spec.services[name]!;
            const n = options.scale?.[name] ?? s.deploy?.replicas ?? s.scale ?? 1;
            return Array.from({ length: n }, (_, i) => `${name}-${i + 1}`);
          });
          const printer = new LogPrinter(this.context.stdout, this.stdoutTty, names);
          for await (const ev of client.logs(
            { project: spec.name, follow: true, services: this.services },
            abort.signal,
          ))
            printer.print(ev);
        } catch (err) {
          if (!abort.signal.aborted) throw err;
        }
        if (interrupt.stage === 'running') return 0;
        const done = await printOperation(
          client.stop({
            project: spec.name,
            services: stopped,
            ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
          }),
          this.context.stderr,
          this.stderrTty,
        );
        await interrupt.forcing;
        // Forced, as docker compose: the exit status of an interrupted command.
        if (interrupt.stage === 'forcing') return 130;
        return done.ok ? 0 : 1;
      } finally {
        process.off('SIGINT', interrupt.onSignal);
      }
    });
  }

  /** The second Ctrl+C: SIGKILL to this agent's running containers of `services` (all when empty), through the engine at once. */
  private async killNow(client: AgentClient, project: string, services: string[]): Promise<void> {
    const nodeId = (client.lastInfo ?? (await client.info())).nodeId;
    const engine = await directEngine(this.context.env);
    const running = serviceContainers(await engine.list(project), nodeId, services).filter(
      (c) => c.state === 'running' || c.state === 'restarting' || c.state === 'paused',
    );
    await Promise.all(running.map((c) => engine.kill(c.id, 'SIGKILL').catch(() => {})));
  }
}
