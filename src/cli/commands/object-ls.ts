import { Command, Option, UsageError } from 'clipanion';
import { listObjects, type ObjectKind } from '../../api/secrets-api.js';
import { ClusterCommand } from '../cluster-command.js';
import { renderTable } from '../table.js';

abstract class ObjectLsCommand extends ClusterCommand {
  abstract readonly kind: ObjectKind;
  format = Option.String('--format', 'table', { description: 'table or json' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Only the names' });

  async execute(): Promise<number> {
    if (this.format !== 'table' && this.format !== 'json')
      throw new UsageError(`--format wants table or json, not "${this.format}"`);
    const items = await listObjects(await this.agent(), this.kind);
    if (this.quiet) this.context.stdout.write(items.map((i) => `${i.name}\n`).join(''));
    else if (this.format === 'json') this.context.stdout.write(`${JSON.stringify(items)}\n`);
    else
      this.context.stdout.write(
        renderTable(
          ['NAME', 'VERSION', 'SIZE'],
          items.map((i) => [i.name, i.version.slice(0, 12), `${i.size} B`]),
        ),
      );
    return 0;
  }
}

/** `fizz secret ls`: names and versions, never values. */
export class SecretLsCommand extends ObjectLsCommand {
  readonly kind = 'secret';
  static override paths = [['secret', 'ls']];
  static override usage = Command.Usage({
    category: 'Secrets',
    description: "list the cluster's secrets (names and versions, never values)",
    details: 'SIZE is that of the ciphertext the state holds.',
    examples: [['List', '$0 secret ls']],
  });
}

/** `fizz config ls`. */
export class ConfigLsCommand extends ObjectLsCommand {
  readonly kind = 'config';
  static override paths = [['config', 'ls']];
  static override usage = Command.Usage({
    category: 'Secrets',
    description: "list the cluster's configs",
    examples: [['List', '$0 config ls']],
  });
}
