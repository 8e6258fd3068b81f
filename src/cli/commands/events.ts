import { Command, Option } from 'clipanion';
import { LABELS } from '../../runtime/types.js';
import { EngineCommand } from '../engine-command.js';
import { composeEvent, eventLine } from '../events-format.js';

/** `fizz events`: the project's container events as they happen, as `docker compose events`. */
export class EventsCommand extends EngineCommand {
  static override paths = [['events']];
  static override usage = Command.Usage({
    category: 'Compose',
    description: "stream the project's container events",
    details: `
      Prints each engine event of the project's containers (of the named services; default
      all) made by this machine's agent — create, start, die, health_status, kill, destroy —
      until Ctrl+C, one line each; \`--json\` prints a JSON object per line, with docker
      compose's fields (time, type, action, id, service, attributes). The cluster-wide
      stream of Fizz's own decisions is not this command's.
    `,
    examples: [
      ['Watch the project', '$0 events'],
      ['As JSON, only web', '$0 events --json web'],
    ],
  });

  json = Option.Boolean('--json', false, { description: 'Output events as a stream of JSON objects' });
  services = Option.Rest({ name: 'service' });

  async execute(): Promise<number> {
    return this.projectNameOnly(async (project) => {
      const { engine, nodeId } = await this.local();
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        const labels = [`${LABELS.project}=${project}`, `${LABELS.node}=${nodeId}`];
        for await (const raw of engine.containerEvents(labels, abort.signal)) {
          const ev = composeEvent(raw);
          if (this.services.length > 0 && !this.services.includes(ev.service)) continue;
          this.context.stdout.write(`${this.json ? JSON.stringify(ev) : eventLine(ev)}\n`);
        }
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
      return 0;
    }, this.services);
  }
}
