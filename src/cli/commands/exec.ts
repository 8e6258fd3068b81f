import { Command, Option, UsageError } from 'clipanion';
import type { ExecRequest } from '../../api/protocol.js';
import { ProjectCommand } from '../project-command.js';
import { withTerminal } from '../terminal.js';

/** `-e KEY=VAL` as given; `-e KEY` takes KEY from this environment (dropped when unset), as compose does. */
export function execEnv(entries: string[], env: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  for (const e of entries) {
    if (e.includes('=')) {
      if (e.startsWith('=')) throw new UsageError(`-e wants KEY=VALUE or KEY, not "${e}"`);
      out.push(e);
    } else if (env[e] !== undefined) out.push(`${e}=${env[e]}`);
  }
  return out;
}

/** `fizz exec`: runs a command in a running container of a service, as `docker compose exec`. */
export class ExecCommand extends ProjectCommand {
  static override paths = [['exec']];
  static override usage = Command.Usage({
    category: 'Compose',
    description: 'run a command in a running container of a service',
    details: `
      Runs COMMAND in the running container of SERVICE (replica \`--index\`, default 1),
      through the agent. Its stdout and stderr come back separately and its exit code is
      fizz's exit code.

      When stdin is a terminal, a TTY is allocated and the terminal is passed through
      (raw mode, window size). With \`-T\`, or when stdin is not a terminal (a pipe, CI),
      there is no TTY, but stdin is still piped to the command: \`echo hi | fizz exec -T web
      cat\` prints hi. With \`-d\` the command is started in the background and fizz returns
      at once.
    `,
    examples: [
      ['Open a shell in the first web container', '$0 exec web sh'],
      ['Run a command in the second replica', '$0 exec --index 2 web ls /'],
      ['Pipe input without a TTY', 'echo hi | $0 exec -T web cat'],
      ['Set a variable and a working directory', '$0 exec -e DEBUG=1 -w /tmp web env'],
    ],
  });

  detach = Option.Boolean('-d,--detach', false, { description: 'Run the command in the background' });
  noTty = Option.Boolean('-T,--no-TTY', false, {
    description: 'Do not allocate a TTY (default: allocate one when stdin is a terminal)',
  });
  env = Option.Array('-e,--env', [], {
    description: 'Set an environment variable, KEY=VAL or KEY (repeatable)',
  });
  user = Option.String('-u,--user', { description: 'Run as this user (name or uid[:gid])' });
  workdir = Option.String('-w,--workdir', { description: 'Working directory for the command' });
  index = Option.String('--index', '1', { description: 'Replica of the service (1, 2, …)' });
  service = Option.String({ name: 'service' });
  command = Option.Proxy({ name: 'command', required: 1 });

  async execute(): Promise<number> {
    const index = Number(this.index);
    if (!Number.isInteger(index) || index < 1)
      throw new UsageError(`--index wants a replica number (1, 2, …), not "${this.index}"`);
    const env = execEnv(this.env, this.context.env ?? process.env);
    const stdin = this.context.stdin as NodeJS.ReadStream;
    const tty = !this.noTty && !this.detach && Boolean(stdin.isTTY);
    return this.projectNameOnly(
      async (project) => {
        const client = await this.agent();
        const req: ExecRequest = {
          project,
          service: this.service,
          index,
          command: this.command,
          tty,
          detach: this.detach,
          env,
        };
        if (this.user !== undefined) req.user = this.user;
        if (this.workdir !== undefined) req.workdir = this.workdir;
        const streams = { stdin, stdout: this.context.stdout, stderr: this.context.stderr };
        return withTerminal(streams, { tty, input: !this.detach }, (io, size) => {
          if (size) req.size = size;
          return client.exec(req, io);
        });
      },
      [this.service],
    );
  }
}
