import { Builtins, Cli } from 'clipanion';
import { FIZZ_VERSION } from '../version.js';
import { commands } from './commands/index.js';

/** Builds the CLI with every command registered. */
export function buildCli(enableColors = colorDepth(process.env, process.stdout.isTTY) > 1): Cli {
  const cli = new Cli({ binaryLabel: 'Fizz', binaryName: 'fizz', binaryVersion: FIZZ_VERSION, enableColors });
  cli.register(Builtins.HelpCommand);
  cli.register(Builtins.VersionCommand);
  for (const command of commands) cli.register(command);
  return cli;
}

/**
 * Colours only on a terminal, and never with NO_COLOR set (clipanion asks the tty module,
 * which answers "colours" even when the output is a pipe or a file).
 */
function colorDepth(env: NodeJS.ProcessEnv, isTTY: boolean | undefined): number {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 1;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR === '0' ? 1 : 8;
  return isTTY ? 8 : 1;
}

/** Runs `fizz` with the given arguments and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const depth = colorDepth(process.env, process.stdout.isTTY);
  return buildCli(depth > 1).run(argv, { ...Cli.defaultContext, colorDepth: depth });
}
