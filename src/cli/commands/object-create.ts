import { readFile } from 'node:fs/promises';
import { Command, Option, UsageError } from 'clipanion';
import { createObject, type ObjectKind } from '../../api/secrets-api.js';
import { ClusterCommand } from '../cluster-command.js';

/** Reads all of standard input (a secret is never a command-line argument: `ps` would show it). */
async function readStdin(stdin: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stdin as AsyncIterable<Buffer | string>)
    chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks);
}

abstract class ObjectCreateCommand extends ClusterCommand {
  abstract readonly kind: ObjectKind;
  name = Option.String({ name: 'NAME' });
  file = Option.String({ name: 'FILE|-', required: false });

  async execute(): Promise<number> {
    // Explicit, as `docker secret create`: an empty secret made by a forgotten argument helps nobody.
    const from = this.file;
    if (from === undefined)
      throw new UsageError(`give the ${this.kind}'s value as a FILE, or '-' to read it from standard input`);
    let value: Buffer;
    try {
      value = from === '-' ? await readStdin(this.context.stdin) : await readFile(from);
    } catch (err) {
      this.context.stderr.write(`error: cannot read ${from}: ${(err as Error).message}\n`);
      return 1;
    }
    const res = await createObject(await this.agent(), this.kind, this.name, value);
    this.context.stdout.write(`${this.name} ${res.version.slice(0, 12)}\n`);
    return 0;
  }
}

/** `fizz secret create NAME [FILE|-]`. */
export class SecretCreateCommand extends ObjectCreateCommand {
  readonly kind = 'secret';
  static override paths = [['secret', 'create']];
  static override usage = Command.Usage({
    category: 'Secrets',
    description: 'create (or replace) a cluster-wide secret',
    details: `
      Reads the value from FILE, or from standard input with \`-\`; never from the command
      line (where \`ps\` and shell history would show it). The agent
      encrypts it to the cluster (age, X25519) before it enters the replicated state; only
      a node that runs a container using it decrypts it, into a tmpfs mounted at
      \`/run/secrets/<target>\`. A compose file uses it with \`secrets: { NAME: { external: true } }\`.
      Replacing a secret recreates the services that use it. Up to 500 KiB.
    `,
    examples: [
      ['From a file', '$0 secret create db_password ./db_password.txt'],
      ['From standard input', "printf %s 's3cret' | $0 secret create db_password -"],
    ],
  });
}

/** `fizz config create NAME [FILE|-]`. */
export class ConfigCreateCommand extends ObjectCreateCommand {
  readonly kind = 'config';
  static override paths = [['config', 'create']];
  static override usage = Command.Usage({
    category: 'Secrets',
    description: 'create (or replace) a cluster-wide config',
    details: `
      As \`fizz secret create\`, for a compose \`configs:\` entry with \`external: true\`: the
      file is mounted at the service's target (\`/<name>\` unless given) on whichever node
      runs it. Replacing a config recreates the services that use it.
    `,
    examples: [['From a file', '$0 config create nginx.conf ./nginx.conf']],
  });
}
