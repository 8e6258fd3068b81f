import { Command, Option, UsageError } from 'clipanion';
import type { AgentClient } from '../../api/client.js';
import type { ProjectSpec } from '../../compose/types.js';
import type { DirectEngine } from '../../runtime/direct.js';
import { serviceImage } from '../../runtime/image-name.js';
import { ensureResources } from '../../runtime/resources.js';
import { configFilePaths } from '../config-files.js';
import { directEngine, refuseRemote } from '../engine.js';
import {
  oneOffName,
  oneOffRequest,
  oneOffSpec,
  parseRunFlags,
  type RunFlags,
  runDependencies,
} from '../oneoff.js';
import { printOperation } from '../progress-printer.js';
import { ProjectCommand } from '../project-command.js';
import { pumpSession, withTerminal } from '../terminal.js';
import { execEnv } from './exec.js';

/** `fizz run`: a one-off container of a service (a migration, a shell), as `docker compose run`. */
export class RunCommand extends ProjectCommand {
  static override paths = [['run']];
  static override usage = Command.Usage({
    category: 'Compose',
    description: 'run a one-off command in a new container of a service',
    details: `
      Starts the services SERVICE depends on (not with \`--no-deps\`), then creates a new
      container from SERVICE's definition with COMMAND (default: the service's command),
      attaches to it and exits with its exit code. When stdin is a terminal it gets a TTY
      (\`-T\`: none). The service's ports are not published unless \`--service-ports\` or
      \`-p\` says so; the container has no restart policy and no service alias.

      The container is labelled a one-off (\`fizz.oneoff\`): the agent never starts,
      recreates or removes it. \`--rm\` removes it when it exits; \`fizz down\` removes the
      ones left. Like the docker CLI, \`run\` talks to this machine's engine itself
      (DOCKER_HOST) for the container, and to the agent for the dependencies.
    `,
    examples: [
      ['Run a migration and remove its container', '$0 run --rm web ./migrate'],
      ['A shell in a new web container, without starting db', '$0 run --rm --no-deps web sh'],
      ['With the service ports published', '$0 run --service-ports web'],
      ['In the background, named', '$0 run -d --name job1 worker ./job'],
    ],
  });

  detach = Option.Boolean('-d,--detach', false, {
    description: 'Run in the background; print the container name',
  });
  rm = Option.Boolean('--rm', false, { description: 'Remove the container when it exits' });
  name = Option.String('--name', { description: 'Name the container (default: PROJECT-SERVICE-run-ID)' });
  env = Option.Array('-e,--env', [], {
    description: 'Set an environment variable, KEY=VAL or KEY (repeatable)',
  });
  labels = Option.Array('-l,--label', [], { description: 'Add a label KEY=VAL (repeatable)' });
  volumes = Option.Array('-v,--volume', [], {
    description: 'Bind mount or volume, SOURCE:TARGET[:MODE] (repeatable)',
  });
  // `-p` is the project name here (the compose options); docker compose takes both only
  // because its global flags come before the command.
  publish = Option.Array('--publish', [], {
    description: "Publish a container's port, [HOST_IP:][HOST:]CONTAINER[/PROTO] (repeatable)",
  });
  servicePorts = Option.Boolean('-P,--service-ports', false, {
    description: "Publish the service's ports as its file says",
  });
  noDeps = Option.Boolean('--no-deps', false, { description: "Don't start the services it depends on" });
  entrypoint = Option.String('--entrypoint', { description: "Override the image's entrypoint" });
  user = Option.String('-u,--user', { description: 'Run as this user (name or uid[:gid])' });
  workdir = Option.String('-w,--workdir', { description: 'Working directory in the container' });
  noTty = Option.Boolean('-T,--no-TTY', false, {
    description: 'Do not allocate a TTY (default: allocate one when stdin is a terminal)',
  });
  service = Option.String({ name: 'service' });
  command = Option.Proxy({ name: 'command' });

  private flags(tty: boolean): RunFlags {
    const flags: RunFlags = {
      command: this.command,
      env: execEnv(this.env, this.context.env ?? process.env),
      volumes: this.volumes,
      publish: this.publish,
      servicePorts: this.servicePorts,
      tty,
      stdin: !this.detach,
      labels: this.labels,
    };
    if (this.entrypoint !== undefined) flags.entrypoint = this.entrypoint;
    if (this.user !== undefined) flags.user = this.user;
    if (this.workdir !== undefined) flags.workdir = this.workdir;
    return flags;
  }

  async execute(): Promise<number> {
    refuseRemote(this.context.env);
    if (this.name !== undefined && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(this.name))
      throw new UsageError(`--name wants a container name ([a-zA-Z0-9][a-zA-Z0-9_.-]*), not "${this.name}"`);
    const stdin = this.context.stdin as NodeJS.ReadStream;
    const tty = !this.noTty && !this.detach && Boolean(stdin.isTTY);
    const overrides = parseRunFlags(this.flags(tty), process.cwd());
    return this.withProject(async (project) => {
      if (!this.knownServices(project, [this.service])) return 1;
      const svc = project.services[this.service]!;
      const spec = oneOffSpec(svc, overrides);
      const client = await this.agent();
      const nodeId = (client.lastInfo ?? (await client.info())).nodeId;
      if (!(await this.dependencies(client, project))) return 1;
      const engine = await directEngine(this.context.env);
      await ensureResources(engine, project, new Set(), () => {}, nodeId);
      if (!(await this.image(client, engine, project))) return 1;
      // node:crypto is loaded here, not at the top: every command's start would pay ~2 ms for it.
      const { randomBytes } = await import('node:crypto');
      const name = this.name ?? oneOffName(project.name, this.service, randomBytes(6).toString('hex'));
      const id = await engine.create(
        // `-d --rm`: nobody waits for it here, so the engine removes it on exit.
        oneOffRequest(project, this.service, spec, { name, nodeId, autoRemove: this.rm && this.detach }),
      );
      if (this.detach) {
        await engine.start(id);
        this.context.stdout.write(`${name}\n`);
        return 0;
      }
      try {
        return await this.attached(engine, id, tty);
      } finally {
        if (this.rm) await engine.remove(id, { force: true }).catch(() => {});
      }
    });
  }

  /** `up` of the services it depends on, through the agent; false when that failed. */
  private async dependencies(client: AgentClient, project: ProjectSpec): Promise<boolean> {
    const deps = this.noDeps ? [] : runDependencies(project, this.service);
    if (deps.length === 0) return true;
    const done = await printOperation(
      client.up({
        spec: project,
        services: deps,
        dockerConfig: this.dockerConfig,
        configFiles: configFilePaths(this.composeLoadOptions()),
      }),
      this.context.stderr,
      this.stderrTty,
    );
    return done.ok;
  }

  /** The service's image, pulled or built through the agent when it is not here; false when that failed. */
  private async image(client: AgentClient, engine: DirectEngine, project: ProjectSpec): Promise<boolean> {
    const svc = project.services[this.service]!;
    if (await engine.hasImage(serviceImage(project.name, this.service, svc))) return true;
    const req = { spec: project, services: [this.service], dockerConfig: this.dockerConfig };
    const done = await printOperation(
      svc.build ? client.build(req) : client.pull(req),
      this.context.stderr,
      this.stderrTty,
    );
    return done.ok;
  }

  /** Attached: the container's input and output are fizz's; Ctrl+C without a TTY is passed on. */
  private async attached(engine: DirectEngine, id: string, tty: boolean): Promise<number> {
    const streams = { stdin: this.context.stdin, stdout: this.context.stdout, stderr: this.context.stderr };
    return withTerminal(streams, { tty, input: true }, async (io) => {
      const session = await engine.attach(id, { tty, stdin: true });
      // With a TTY the terminal sends Ctrl+C to the container itself (raw mode).
      const forward = (signal: NodeJS.Signals) => () => void engine.kill(id, signal).catch(() => {});
      const onInt = forward('SIGINT');
      const onTerm = forward('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
      try {
        await engine.start(id);
        return await pumpSession(session, io);
      } finally {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
      }
    });
  }
}
