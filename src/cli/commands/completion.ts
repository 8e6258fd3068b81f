import { Command, Option, UsageError } from 'clipanion';
import { completionScript, SHELLS, type Shell } from '../completion/scripts.js';

/** `fizz completion bash|zsh|fish`: the shell script that completes fizz's commands. */
export class CompletionCommand extends Command {
  static override paths = [['completion']];
  static override usage = Command.Usage({
    category: 'Agent',
    description: 'print the shell completion script for bash, zsh or fish',
    details: `
      Completes commands, flags and their values, the services of the compose project in the
      current directory (or the \`-f\` files on the line) and, when an agent runs, the nodes
      of the cluster.
    `,
    examples: [
      ['bash, this shell', 'source <($0 completion bash)'],
      ['zsh, this shell (after compinit)', 'source <($0 completion zsh)'],
      ['fish, every shell', '$0 completion fish > ~/.config/fish/completions/fizz.fish'],
    ],
  });

  shell = Option.String({ name: SHELLS.join('|') });

  async execute(): Promise<number> {
    if (!(SHELLS as readonly string[]).includes(this.shell))
      throw new UsageError(`unknown shell "${this.shell}": expected one of ${SHELLS.join(', ')}`);
    this.context.stdout.write(completionScript(this.shell as Shell));
    return 0;
  }
}
