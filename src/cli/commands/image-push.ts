import { Command, Option } from 'clipanion';
import { ClusterCommand } from '../cluster-command.js';
import { printOperation } from '../progress-printer.js';

/** `fizz image push <image>`: every other node gets the image from this one now. */
export class ImagePushCommand extends ClusterCommand {
  static override paths = [['image', 'push']];
  static override usage = Command.Usage({
    category: 'Cluster',
    description: 'send an image to every node of the cluster ahead of time',
    details: `
      Asks each other node to pull the image from this one over the cluster's encrypted
      connection (only the layers it lacks travel; every digest is checked before the node's
      engine loads it), with a progress line per node. Without it a node fetches an image from
      a peer when a replica first needs it. The image must be on this node.
    `,
    examples: [['Send web:1 to every node', '$0 image push web:1']],
  });

  quiet = Option.Boolean('-q,--quiet', false, { description: 'Print no progress, only errors' });
  image = Option.String({ name: 'image' });

  async execute(): Promise<number> {
    const client = await this.agent();
    const done = await printOperation(
      client.imagePush({ image: this.image }),
      this.context.stdout,
      Boolean((this.context.stdout as { isTTY?: boolean }).isTTY),
      { quiet: this.quiet },
    );
    return done.ok ? 0 : 1;
  }
}
