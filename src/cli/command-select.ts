/**
 * Which commands to register for one run. Clipanion compiles a state machine over every
 * registered command before it parses anything; over all of Fizz's commands that is most of
 * the CLI's own start (~20 ms of `fizz --version`, README: Measured). A command can match
 * only if every word of one of its paths is in argv, so registering just those parses argv
 * the same way. With none (`fizz`, a typo), or when help may run, every command is
 * registered: help lists them all and a mistake gets clipanion's "did you mean".
 */
import type { CommandClass } from 'clipanion';

export function commandsFor(
  argv: readonly string[],
  all: readonly CommandClass[],
  help: CommandClass,
): CommandClass[] {
  const words = new Set(argv);
  const matching = all.filter((c) => (c.paths ?? []).some((path) => path.every((w) => words.has(w))));
  return matching.length > 0 && !matching.includes(help) ? matching : [...all];
}
