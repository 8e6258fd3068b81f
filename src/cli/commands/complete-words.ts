import { Command, Option } from 'clipanion';

/**
 * `fizz __complete <index> <words…>`: what the completion scripts call on TAB (no usage, so
 * help does not list it). Prints the words to offer for `words[index]`, one a line, or
 * `:files`. Never fails loudly: a TAB that finds nothing offers nothing.
 */
export class CompleteWordsCommand extends Command {
  static override paths = [['__complete']];

  args = Option.Proxy();

  async execute(): Promise<number> {
    const [index = '0', ...words] = this.args;
    // Loaded here: completion needs every command's definitions and a YAML parser.
    const [{ buildCli }, { commandTable, complete }, { liveSources }] = await Promise.all([
      import('../main.js'),
      import('../completion/complete.js'),
      import('../completion/sources.js'),
    ]);
    const env = this.context.env ?? process.env;
    const table = commandTable(buildCli(false).definitions(), 'fizz');
    const result = await complete(table, words, Number(index), liveSources(env, process.cwd()));
    this.context.stdout.write(result.files ? ':files\n' : result.words.map((w) => `${w}\n`).join(''));
    return 0;
  }
}
