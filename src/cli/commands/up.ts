import { Command, Option, UsageError } from 'clipanion';
import type { UpRequest } from '../../api/protocol.js';
import { configFilePaths } from '../config-files.js';
import { LogPrinter } from '../log-printer.js';
import { printOperation } from '../progress-printer.js';
import { ProjectCommand } from '../project-command.js';

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
      changed service is recreated, a service removed from the file is removed (as
      \`--remove-orphans\` does in docker compose). Without \`-d\` it then follows the logs;
      Ctrl+C stops the project's containers.
    `,
    examples: [
      ['Start in the background', '$0 up -d'],
      ['Start and wait until every service is healthy', '$0 up --wait -f examples/web/compose.yaml'],
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

  async execute(): Promise<number> {
    return this.withProject(async (spec) => {
      const client = await this.agent();
      const req: UpRequest = { spec, wait: this.wait };
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
      let stopping = false;
      const onSigint = () => {
        if (stopping) process.exit(130);
        stopping = true;
        this.context.stderr.write('Gracefully stopping... (press Ctrl+C again to force)\n');
        abort.abort();
      };
      process.on('SIGINT', onSigint);
      try {
        const names = Object.entries(spec.services).flatMap(([name, s]) => {
          const n = s.deploy?.replicas ?? s.scale ?? 1;
          return Array.from({ length: n }, (_, i) => `${name}-${i + 1}`);
        });
        const printer = new LogPrinter(this.context.stdout, this.stdoutTty, names);
        for await (const ev of client.logs({ project: spec.name, follow: true }, abort.signal))
          printer.print(ev);
      } catch (err) {
        if (!abort.signal.aborted) throw err;
      } finally {
        process.off('SIGINT', onSigint);
      }
      if (stopping) {
        const stopped = await printOperation(
          client.stop({ project: spec.name, services: [] }),
          this.context.stderr,
          this.stderrTty,
        );
        return stopped.ok ? 0 : 1;
      }
      return 0;
    });
  }
}
