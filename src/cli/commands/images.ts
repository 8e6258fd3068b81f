import { Command, Option } from 'clipanion';
import type { ImageEntry } from '../../api/protocol.js';
import { type Formatted, formatOption, renderFormat } from '../go-template.js';
import { ProjectCommand } from '../project-command.js';
import { renderTable } from '../table.js';

/** `fizz/busybox:latest` → [`fizz/busybox`, `latest`]; a reference without a tag is `latest`; an id is `<none>`. */
export function splitReference(ref: string): [repository: string, tag: string] {
  if (ref.startsWith('sha256:')) return ['<none>', '<none>'];
  const at = ref.indexOf('@');
  const name = at >= 0 ? ref.slice(0, at) : ref;
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) return [name.slice(0, colon), name.slice(colon + 1)];
  return [name, at >= 0 ? '<none>' : 'latest'];
}

/** Bytes as docker prints them (go-units HumanSize: powers of 1000, 3 significant digits): `4.26MB`. */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let n = bytes;
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${Number(n.toPrecision(3))}${units[i]}`;
}

/** `sha256:0123456789ab…` → `0123456789ab`, as docker's IMAGE ID column. */
export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

/** The fields of an `images` row (`--format json` and templates). */
export const IMAGES_FIELDS = ['ID', 'ContainerName', 'Repository', 'Tag', 'Size', 'Node'];

/** What `fizz images` prints. */
export function renderImages(
  images: ImageEntry[],
  how: { quiet: boolean; format: 'table' | 'json' | Formatted },
): string {
  if (how.quiet) return [...new Set(images.map((i) => i.id).filter(Boolean))].map((id) => `${id}\n`).join('');
  const rows = images.map((i) => {
    const [repository, tag] = splitReference(i.image);
    const row = { ID: i.id, ContainerName: i.container, Repository: repository, Tag: tag, Size: i.size };
    return i.node === undefined ? row : { ...row, Node: i.node };
  });
  if (how.format === 'json') return `${JSON.stringify(rows)}\n`;
  if (how.format !== 'table')
    return renderFormat(how.format, rows, { ID: 'IMAGE ID', ContainerName: 'CONTAINER' });
  // In a cluster, which node holds the image (as `fizz ps`'s NODE column).
  const nodes = images.some((i) => i.node !== undefined);
  return renderTable(
    ['CONTAINER', ...(nodes ? ['NODE'] : []), 'REPOSITORY', 'TAG', 'IMAGE ID', 'SIZE'],
    images.map((i) => [
      i.container,
      ...(nodes ? [i.node ?? ''] : []),
      ...splitReference(i.image),
      shortId(i.id),
      humanSize(i.size),
    ]),
  );
}

/** `fizz images [service…]`, as docker compose images. */
export class ImagesCommand extends ProjectCommand {
  static override paths = [['images']];
  static override usage = Command.Usage({
    category: 'Compose',
    description: "list the images of the project's containers",
    details: `
      One line per container of the services (all when none is named), whatever its state:
      CONTAINER, REPOSITORY, TAG, IMAGE ID and SIZE. \`--format json\` has docker compose's
      fields (\`ID\`, \`ContainerName\`, \`Repository\`, \`Tag\`, \`Size\` in bytes); \`-q\` prints
      only the image ids, each once.
    `,
    examples: [
      ['The images of every service', '$0 images'],
      ['The image ids, for a script', '$0 images -q'],
    ],
  });

  format = Option.String('--format', 'table', {
    description: 'table or json (or a Go template: {{.Repository}}:{{.Tag}})',
  });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Only the image ids' });
  services = Option.Rest({ name: 'service' });

  async execute(): Promise<number> {
    const format = formatOption(this.format, IMAGES_FIELDS);
    return this.projectNameOnly(async (project) => {
      const client = await this.agent();
      const { images, errors = [] } = await client.images(project, this.services);
      this.context.stdout.write(renderImages(images, { quiet: this.quiet, format }));
      for (const e of errors) this.context.stderr.write(`error: ${e}\n`);
      return errors.length > 0 ? 1 : 0;
    }, this.services);
  }
}
