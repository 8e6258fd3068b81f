import { Command, Option } from 'clipanion';
import { EngineCommand, parseIndex, pickReplica } from '../engine-command.js';
import { pumpSession, withTerminal } from '../terminal.js';

/** `fizz attach`: this terminal to a service container's own input and output, as `docker compose attach`. */
export class AttachCommand extends EngineCommand {
  static override paths = [['attach']];
  static override usage = Command.Usage({
    category: 'Compose',
    description: "attach local standard input, output and error to a service's running container",
    details: `
      Connects to the main process of the service's container (replica \`--index\`,
      default 1): its output from now on, and stdin when it was created with \`stdin_open\`
      (not with \`--no-stdin\`). Exits when the container stops, with its exit code. With a
      TTY (\`tty: true\`), Ctrl+P Ctrl+Q detaches; otherwise Ctrl+C is sent to the container
      (not with \`--no-sig-proxy\`). As with \`docker attach\`, the end of stdin ends the
      attachment of a container not created with stdin_once (the container goes on).
    `,
    examples: [['Attach to web', '$0 attach web']],
  });

  index = Option.String('--index', '1', { description: 'Replica of the service (1, 2, …)' });
  noStdin = Option.Boolean('--no-stdin', false, { description: 'Do not attach stdin' });
  sigProxy = Option.Boolean('--sig-proxy', true, { description: 'Pass Ctrl+C on to the container (no TTY)' });
  service = Option.String({ name: 'service' });

  async execute(): Promise<number> {
    const index = parseIndex(this.index);
    return this.projectNameOnly(
      async (project) => {
        const { engine, list } = await this.containers(project, [this.service]);
        const target = pickReplica(list, this.service, index);
        const term = await engine.terminalOf(target.id);
        const input = term.openStdin && !this.noStdin;
        const tty = term.tty && Boolean((this.context.stdin as NodeJS.ReadStream).isTTY);
        const streams = {
          stdin: this.context.stdin,
          stdout: this.context.stdout,
          stderr: this.context.stderr,
        };
        return withTerminal(streams, { tty, input }, async (io) => {
          const session = await engine.attach(target.id, { tty: term.tty, stdin: input });
          const onInt = () => void engine.kill(target.id, 'SIGINT').catch(() => {});
          if (this.sigProxy && !tty) process.on('SIGINT', onInt);
          try {
            return await pumpSession(session, io);
          } finally {
            process.off('SIGINT', onInt);
          }
        });
      },
      [this.service],
    );
  }
}
