import { Command, Option, UsageError } from 'clipanion';
import { type HistoryResponse, opsHistory } from '../../api/ops-api.js';
import { ProjectCommand } from '../project-command.js';
import { renderTable } from '../table.js';

/** The revisions as a table (newest last) and the last rolling update's state. */
export function renderHistory(h: HistoryResponse): string {
  const table = renderTable(
    ['REV', 'WHEN', 'NODE', 'COMMAND', 'IMAGE', 'CHANGES'],
    h.revisions.map((r) => [
      r.current ? `${r.rev} *` : String(r.rev),
      r.at > 0 ? new Date(r.at).toISOString().replace(/\.\d+Z$/, 'Z') : '-',
      r.nodeName ?? (r.node || '-'),
      r.command,
      r.image ?? '-',
      r.changes.join('; ') || '-',
    ]),
  );
  const r = h.rollout;
  if (!r) return table;
  const what = r.kind === 'rollback' ? 'rollback' : 'update';
  const reason = r.reason ? `: ${r.reason}` : '';
  return `${table}\nlast ${what}: revision ${r.fromRev} → ${r.toRev}, ${r.phase} (${r.ready}/${r.replicas} replicas at ${r.toRev})${reason}\n`;
}

/** `fizz history <service>`: when, from which node and with what each revision changed. */
export class HistoryCommand extends ProjectCommand {
  static override paths = [['history']];
  static override usage = Command.Usage({
    category: 'Compose',
    description: "list a service's revisions",
    details: `
      The last 10 revisions of the service's spec as the cluster keeps them: REV (\`*\`: the
      current one), WHEN it was written, from which NODE, by which COMMAND (up, rollback, or
      a rollback after a failed update, with why), its IMAGE and what CHANGED against the
      revision before. Then where the last rolling update stands. \`--format json\` for
      scripts.
    `,
    examples: [['The revisions of web', '$0 history web']],
  });

  service = Option.String({ name: 'SERVICE' });
  format = Option.String('--format', 'table', { description: 'table or json' });

  async execute(): Promise<number> {
    if (this.format !== 'table' && this.format !== 'json')
      throw new UsageError(`--format wants table or json, not "${this.format}"`);
    return this.projectNameOnly(
      async (project) => {
        const h = await opsHistory(await this.agent(), project, this.service);
        this.context.stdout.write(this.format === 'json' ? `${JSON.stringify(h)}\n` : renderHistory(h));
        return 0;
      },
      [this.service],
    );
  }
}
