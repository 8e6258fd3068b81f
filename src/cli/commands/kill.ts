import { Command, Option, UsageError } from 'clipanion';
import { printOperation } from '../progress-printer.js';
import { ProjectCommand } from '../project-command.js';

/** A signal as `docker kill -s` takes it: `SIGKILL`, `KILL`, `9`, `SIGRTMIN+3`. */
const SIGNAL = /^(?:SIG)?[A-Z][A-Z0-9]*(?:[+-][0-9]{1,2})?$|^[0-9]{1,2}$/;

/** `fizz kill [-s SIGNAL] [service…]`, as docker compose kill. */
export class KillCommand extends ProjectCommand {
  static override paths = [['kill']];
  static override usage = Command.Usage({
    category: 'Compose',
    description: 'force running containers to stop',
    details: `
      Sends SIGNAL (default SIGKILL) to the running containers of the services (all when
      none is named). As with docker compose, a container ended this way stays exited
      whatever its \`restart:\` policy, until \`fizz up\`, \`fizz start\` or \`fizz restart\`
      (the engine counts it as stopped by hand; so does the agent's loop). A signal the
      container survives (SIGHUP, say) leaves its policy in force.
    `,
    examples: [
      ['Kill every container of the project', '$0 kill'],
      ['Send SIGHUP to web', '$0 kill -s SIGHUP web'],
    ],
  });

  signal = Option.String('-s,--signal', 'SIGKILL', { description: 'Signal to send (SIGKILL, SIGHUP, 9, …)' });
  services = Option.Rest({ name: 'service' });

  async execute(): Promise<number> {
    const signal = this.signal.toUpperCase();
    if (!SIGNAL.test(signal))
      throw new UsageError(`-s wants a signal (SIGKILL, SIGHUP, 9, …), not "${this.signal}"`);
    return this.projectNameOnly(async (project) => {
      const client = await this.agent();
      const req = { project, services: this.services, signal };
      const done = await printOperation(client.kill(req), this.context.stderr, this.stderrTty);
      return done.ok ? 0 : 1;
    }, this.services);
  }
}
