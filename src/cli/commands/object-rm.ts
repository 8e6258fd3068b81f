import { Command, Option } from 'clipanion';
import { type ObjectKind, removeObject } from '../../api/secrets-api.js';
import { ClusterCommand } from '../cluster-command.js';

abstract class ObjectRmCommand extends ClusterCommand {
  abstract readonly kind: ObjectKind;
  names = Option.Rest({ required: 1 });

  async execute(): Promise<number> {
    const client = await this.agent();
    for (const name of this.names) {
      await removeObject(client, this.kind, name);
      this.context.stdout.write(`${name}\n`);
    }
    return 0;
  }
}

/** `fizz secret rm NAME…`. */
export class SecretRmCommand extends ObjectRmCommand {
  readonly kind = 'secret';
  static override paths = [['secret', 'rm']];
  static override usage = Command.Usage({
    category: 'Secrets',
    description: 'remove cluster-wide secrets',
    details:
      'Containers that use one keep their copy until they are recreated; a new container cannot start without it.',
    examples: [['Remove one', '$0 secret rm db_password']],
  });
}

/** `fizz config rm NAME…`. */
export class ConfigRmCommand extends ObjectRmCommand {
  readonly kind = 'config';
  static override paths = [['config', 'rm']];
  static override usage = Command.Usage({
    category: 'Secrets',
    description: 'remove cluster-wide configs',
    examples: [['Remove one', '$0 config rm nginx.conf']],
  });
}
