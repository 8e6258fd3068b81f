import { Command, Option } from 'clipanion';
import { clusterLabel } from '../../api/cluster-api.js';
import { ClusterCommand } from '../cluster-command.js';

/** `fizz label <node> k=v k2-`: set or remove a node's labels (for placement constraints). */
export class LabelCommand extends ClusterCommand {
  static override paths = [['label']];
  static override usage = Command.Usage({
    category: 'Cluster',
    description: "set or remove a node's labels",
    details: `
      \`KEY=VALUE\` sets a label, \`KEY-\` removes one. Labels are gossiped at once and
      placement constraints (\`node.labels.KEY==VALUE\`) follow them. Works from any
      node: the change is sent to the node named, which makes it.
    `,
    examples: [
      ['Label node h2', '$0 label h2 disk=ssd'],
      ['Remove a label', '$0 label h2 disk-'],
    ],
  });

  node = Option.String({ name: 'NODE' });
  changes = Option.Rest({ name: 'KEY=VALUE|KEY-', required: 1 });

  async execute(): Promise<number> {
    const set: Record<string, string> = {};
    const unset: string[] = [];
    for (const c of this.changes) {
      if (c.endsWith('-') && !c.includes('=')) unset.push(c.slice(0, -1));
      else Object.assign(set, ClusterCommand.labelMap([c]));
    }
    const labels = await clusterLabel(await this.agent(), { node: this.node, set, unset });
    this.context.stdout.write(
      `${Object.entries(labels)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n')}\n`,
    );
    return 0;
  }
}
