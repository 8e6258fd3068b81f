import { Command, Option, UsageError } from 'clipanion';
import type { DirectEngine } from '../../runtime/direct.js';
import type { ContainerInfo } from '../../runtime/types.js';
import { EngineCommand } from '../engine-command.js';
import { STATS_HEADER, type StatsRow, statsCells, statsRow } from '../stats-format.js';
import { renderTable } from '../table.js';

/** `fizz stats`: live resource use of the project's running containers, as `docker compose stats`. */
export class StatsCommand extends EngineCommand {
  static override paths = [['stats']];
  static override usage = Command.Usage({
    category: 'Compose',
    description: "display a live stream of the containers' resource usage",
    details: `
      CPU %, memory, network and disk I/O and process count of the running containers of
      the named services (default: all), computed as \`docker stats\` does. It refreshes
      until Ctrl+C; \`--no-stream\` prints one sample and exits. \`--format json\` prints a
      JSON object per container and line.
    `,
    examples: [
      ['Watch every container', '$0 stats'],
      ['One sample of web, as JSON', '$0 stats --no-stream --format json web'],
    ],
  });

  noStream = Option.Boolean('--no-stream', false, { description: 'Print one sample and exit' });
  format = Option.String('--format', 'table', { description: 'table or json' });
  noTrunc = Option.Boolean('--no-trunc', false, { description: "Don't truncate container ids" });
  services = Option.Rest({ name: 'service' });

  async execute(): Promise<number> {
    if (this.format !== 'table' && this.format !== 'json')
      throw new UsageError(`--format wants table or json, not "${this.format}"`);
    return this.projectNameOnly(async (project) => {
      const { engine, list } = await this.containers(project, this.services);
      const running = list.filter((c) => c.state === 'running');
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once('SIGINT', stop);
      try {
        do {
          const rows = await this.sample(engine, running);
          this.print(rows);
        } while (!this.noStream && !abort.signal.aborted);
      } finally {
        process.off('SIGINT', stop);
      }
      return 0;
    }, this.services);
  }

  /** One sample of each container (the engine takes about a second to measure CPU over). */
  private async sample(engine: DirectEngine, containers: ContainerInfo[]): Promise<StatsRow[]> {
    const rows = await Promise.all(
      containers.map(async (c) => {
        try {
          const row = statsRow(c.name, c.id, await engine.statsOnce(c.id));
          if (this.noTrunc) row.ID = c.id;
          return row;
        } catch (err) {
          // It stopped between the list and the sample: it has no figures.
          if ((err as Error).name === 'ContainerNotFoundError') return undefined;
          throw err;
        }
      }),
    );
    return rows.filter((r): r is StatsRow => r !== undefined);
  }

  private print(rows: StatsRow[]): void {
    const out = this.context.stdout;
    if (this.format === 'json') {
      for (const r of rows) out.write(`${JSON.stringify(r)}\n`);
      return;
    }
    // Streaming on a terminal: the table is redrawn in place, as docker stats does.
    if (!this.noStream && this.stdoutTty) out.write('\u001b[2J\u001b[H');
    out.write(renderTable(STATS_HEADER, rows.map(statsCells)));
  }
}
