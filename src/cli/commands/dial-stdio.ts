/**
 * `fizz system dial-stdio` (hidden): what `fizz --host ssh://node …` runs on the node through
 * ssh, as `docker system dial-stdio`. It bridges its standard input and output to this
 * machine's agent socket, starting the agent when none runs, so a remote CLI speaks the local
 * API through the user's ssh session and the socket stays owner-only.
 */
import { connect } from 'node:net';
import { Command } from 'clipanion';
import { connectAgent } from '../agent-client.js';
import { cliHomePaths } from '../fizz-home.js';
import { AGENT_ERRORS } from '../project-command.js';

export class DialStdioCommand extends Command {
  static override paths = [['system', 'dial-stdio']];

  async execute(): Promise<number> {
    // Never through another hop: a FIZZ_HOST left in the node's environment is not meant for this.
    const env = { ...this.context.env, FIZZ_HOST: undefined };
    const paths = cliHomePaths(env);
    try {
      await connectAgent({ paths, autoStart: true, env });
    } catch (err) {
      if (!(err instanceof Error) || !AGENT_ERRORS.has(err.name)) throw err;
      this.context.stderr.write(`error: ${err.message}\n`);
      return 1;
    }
    const socket = connect(paths.socket);
    const stdin = this.context.stdin;
    const stdout = this.context.stdout;
    return new Promise<number>((resolve) => {
      socket.once('error', (err) => {
        this.context.stderr.write(`error: the agent socket ${paths.socket}: ${err.message}\n`);
        resolve(1);
      });
      stdin.pipe(socket);
      socket.pipe(stdout);
      // The agent closed (an idle kept-alive connection too): done, and stop reading the
      // other side, which may keep its end open.
      socket.once('close', () => {
        stdin.unpipe(socket);
        (stdin as NodeJS.ReadStream).destroy();
        resolve(0);
      });
    });
  }
}
