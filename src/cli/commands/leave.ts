import { Command } from 'clipanion';
import { clusterLeave } from '../../api/cluster-api.js';
import { ClusterCommand } from '../cluster-command.js';

/** `fizz leave`: moves this node's replicas away, then leaves the cluster. */
export class LeaveCommand extends ClusterCommand {
  static override paths = [['leave']];
  static override usage = Command.Usage({
    category: 'Cluster',
    description: "move this node's replicas to the others, then leave the cluster",
    details: `
      Drains the node first: its replicas are started on other nodes, and each is stopped
      here only once its new copy runs (make-before-break). Then the node tells the cluster
      it leaves, forgets the cluster's key, and its agent stops; its copy of the cluster's
      state is kept aside in FIZZ_HOME, and the next agent starts as a machine of its own.
    `,
    examples: [['Leave', '$0 leave']],
  });

  async execute(): Promise<number> {
    const client = await this.agent();
    this.context.stderr.write("Moving this node's replicas to the other nodes…\n");
    let ok = true;
    for await (const ev of clusterLeave(client)) {
      if (ev.type !== 'done') continue;
      ok = ev.ok;
      for (const e of ev.errors) this.context.stderr.write(`warning: ${e}\n`);
    }
    this.context.stdout.write(ok ? 'Left the cluster.\n' : 'Leaving failed.\n');
    return ok ? 0 : 1;
  }
}
