import { Builtins, Cli } from 'clipanion';
import { FIZZ_VERSION } from '../version.js';
import { commands } from './commands/index.js';

/** Builds the CLI with every command registered. */
export function buildCli(): Cli {
  const cli = new Cli({ binaryLabel: 'Fizz', binaryName: 'fizz', binaryVersion: FIZZ_VERSION });
  cli.register(Builtins.HelpCommand);
  cli.register(Builtins.VersionCommand);
  for (const command of commands) cli.register(command);
  return cli;
}

/** Runs `fizz` with the given arguments and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const cli = buildCli();
  return cli.run(argv, Cli.defaultContext);
}
