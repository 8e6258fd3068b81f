import { Command, Option } from 'clipanion';
import type { LsEntry } from '../../api/protocol.js';
import { connectAgent } from '../agent-client.js';
import { cliHomePaths } from '../fizz-home.js';
import { type Formatted, formatOption, renderFormat } from '../go-template.js';
import { AGENT_ERRORS, printWarnings } from '../project-command.js';
import { renderTable } from '../table.js';

/** `running(2), exited(1)`, as docker compose ls words it: running first, then by name. */
export function lsStatus(states: Record<string, number>): string {
  const order = (s: string) => (s === 'running' ? '' : s);
  const text = Object.entries(states)
    .filter(([, n]) => n > 0)
    .sort(([a], [b]) => order(a).localeCompare(order(b)))
    .map(([s, n]) => `${s}(${n})`)
    .join(', ');
  // A project in the state with no container yet (or none that could be made).
  return text || 'empty';
}

/** What `fizz ls` prints. */
export function renderLs(
  projects: LsEntry[],
  how: { quiet: boolean; format: 'table' | 'json' | Formatted },
): string {
  if (how.quiet) return projects.map((p) => `${p.name}\n`).join('');
  const rows = projects.map((p) => ({
    Name: p.name,
    Status: lsStatus(p.states),
    ConfigFiles: p.configFiles.join(','),
  }));
  if (how.format === 'json') return `${JSON.stringify(rows)}\n`;
  if (how.format !== 'table') return renderFormat(how.format, rows, { ConfigFiles: 'CONFIG FILES' });
  return renderTable(
    ['NAME', 'STATUS', 'CONFIG FILES'],
    projects.map((p) => [p.name, lsStatus(p.states), p.configFiles.join(',')]),
  );
}

/** `fizz ls`: the projects the agent knows, as `docker compose ls`. */
export class LsCommand extends Command {
  static override paths = [['ls']];
  static override usage = Command.Usage({
    category: 'Compose',
    description: 'list the compose projects the agent runs',
    details: `
      One line per project: NAME, STATUS (its containers counted by state, e.g.
      \`running(2), exited(1)\`) and CONFIG FILES (the files of its last \`fizz up\`). Only
      projects with a running container unless \`-a\` is given. \`--format json\` has
      docker compose's fields (\`Name\`, \`Status\`, \`ConfigFiles\`). With no agent running
      one is started, as for the other project commands: it finds the containers it runs.
    `,
    examples: [
      ['Running projects', '$0 ls'],
      ['Every project, as JSON', '$0 ls -a --format json'],
      ['Only the names', '$0 ls -q'],
    ],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Show stopped projects too' });
  format = Option.String('--format', 'table', {
    description: 'table or json (or a Go template: {{.Name}} {{.Status}})',
  });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Only the project names' });

  async execute(): Promise<number> {
    const format = formatOption(this.format, ['Name', 'Status', 'ConfigFiles']);
    let projects: LsEntry[] = [];
    try {
      const client = await connectAgent({
        paths: cliHomePaths(),
        env: this.context.env,
        autoStart: true,
        onStart: (log) =>
          this.context.stderr.write(`Starting the Fizz agent in the background (log: ${log})\n`),
      });
      printWarnings(client, this.context.stderr);
      projects = (await client.ls(this.all)).projects;
    } catch (err) {
      if (err instanceof Error && AGENT_ERRORS.has(err.name)) {
        this.context.stderr.write(`error: ${err.message}\n`);
        return 1;
      }
      throw err;
    }
    this.context.stdout.write(renderLs(projects, { quiet: this.quiet, format }));
    return 0;
  }
}
