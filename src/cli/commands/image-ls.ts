import { Command, Option, UsageError } from 'clipanion';
import type { HeldImageEntry } from '../../api/protocol.js';
import { ClusterCommand } from '../cluster-command.js';
import { renderTable } from '../table.js';
import { shortId, splitReference } from './images.js';

/** What `fizz image ls` prints: a row per image and node. */
export function renderHeldImages(images: HeldImageEntry[], format: 'table' | 'json'): string {
  const rows = images.flatMap((i) =>
    (i.tags.length > 0 ? i.tags : [i.id]).map((t) => {
      const [repository, tag] = splitReference(t);
      return { Node: i.node, Repository: repository, Tag: tag, ID: shortId(i.id), Layers: i.layers };
    }),
  );
  if (format === 'json') return `${JSON.stringify(rows)}\n`;
  return renderTable(
    ['NODE', 'REPOSITORY', 'TAG', 'IMAGE ID', 'LAYERS'],
    rows.map((r) => [r.Node, r.Repository, r.Tag, r.ID, String(r.Layers)]),
  );
}

/** `fizz image ls`: which node of the cluster holds which image. */
export class ImageLsCommand extends ClusterCommand {
  static override paths = [['image', 'ls']];
  static override usage = Command.Usage({
    category: 'Cluster',
    description: 'list the images each node of the cluster holds',
    details: `
      One line per image name and node, from what each node advertises in its status entry
      (at most 64 images a node, tagged ones first, newest first): NODE, REPOSITORY, TAG,
      IMAGE ID and the number of LAYERS. A node that lacks an image a replica needs fetches
      it from one of these before asking a registry. \`--format json\` for scripts.
    `,
    examples: [
      ['Who holds what', '$0 image ls'],
      ['As JSON', '$0 image ls --format json'],
    ],
  });

  format = Option.String('--format', 'table', { description: 'table or json' });

  async execute(): Promise<number> {
    if (this.format !== 'table' && this.format !== 'json')
      throw new UsageError(`--format wants table or json, not "${this.format}"`);
    const { images } = await (await this.agent()).imageList();
    this.context.stdout.write(renderHeldImages(images, this.format));
    return 0;
  }
}
