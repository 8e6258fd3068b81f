import { Command, Option } from 'clipanion';
import type { LogsOptions } from '../../api/client.js';
import { LogPrinter } from '../log-printer.js';
import { ProjectCommand } from '../project-command.js';

/** `fizz logs`: merged output of the project's containers, with a coloured service prefix. */
export class LogsCommand extends ProjectCommand {
  static override paths = [['logs']];
  static override usage = Command.Usage({
    category: 'Compose',
    description: 'show the output of the containers of a compose project',
    examples: [
      ['Everything so far', '$0 logs'],
      ['Follow the last 10 lines of web', '$0 logs -f --tail 10 web'],
    ],
  });

  // `logs -f` follows, as in `docker compose logs -f`; the compose file is `--file` here.
  override files = Option.Array('--file', {
    description: 'Compose configuration file (repeatable; later files override; `-` reads stdin)',
  });
  follow = Option.Boolean('-f,--follow', false, { description: 'Follow the output' });
  tail = Option.String('-n,--tail', 'all', {
    description: 'Lines from the end of each container (or "all")',
  });
  timestamps = Option.Boolean('-t,--timestamps', false, { description: 'Show timestamps' });
  noColor = Option.Boolean('--no-color', false, { description: 'Monochrome output' });
  services = Option.Rest({ name: 'service' });

  async execute(): Promise<number> {
    let tail: number | undefined;
    if (this.tail !== 'all') {
      tail = Number(this.tail);
      if (!Number.isInteger(tail) || tail < 0) {
        this.context.stderr.write(`error: --tail wants a number of lines or "all", not "${this.tail}"\n`);
        return 2;
      }
    }
    return this.projectNameOnly(async (project) => {
      const client = await this.agent();
      const abort = new AbortController();
      const onSigint = () => abort.abort();
      process.once('SIGINT', onSigint);
      // Aligned to every container of the project (of the services asked for), not only to
      // those that print: the same width on every run, as docker compose does.
      const names = (await client.ps(project, true)).containers
        .filter((c) => this.services.length === 0 || this.services.includes(c.service))
        .map((c) => LogPrinter.prefixOf(c));
      const printer = new LogPrinter(
        this.context.stdout,
        this.stdoutTty && !this.noColor,
        names,
        this.timestamps,
        this.context.stderr,
      );
      try {
        const opts: LogsOptions = { project, services: this.services, follow: this.follow };
        if (tail !== undefined) opts.tail = tail;
        for await (const ev of client.logs(opts, abort.signal)) printer.print(ev);
      } catch (err) {
        if (!abort.signal.aborted) throw err;
      } finally {
        process.off('SIGINT', onSigint);
      }
      // A node whose containers could not be read: the output is not the whole project's.
      return printer.notices > 0 ? 1 : 0;
    }, this.services);
  }
}
