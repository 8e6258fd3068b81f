import { Builtins, Cli, type Command } from 'clipanion';
import { FIZZ_VERSION } from '../version.js';
import { commandsFor } from './command-select.js';
import { commands } from './commands/index.js';
import { AGENT_ERRORS } from './project-command.js';
import { optionDefinition } from './usage-names.js';

/** Clipanion's CLI with options shown as docker compose shows them (usage-names.ts). */
class FizzCli extends Cli {
  protected override getUsageByRegistration(
    klass: Parameters<Cli['getUsageByRegistration']>[0],
    opts?: Parameters<Cli['getUsageByRegistration']>[1],
  ): ReturnType<Cli['getUsageByRegistration']> {
    const { usage, options } = super.getUsageByRegistration(klass, opts);
    return {
      usage: optionDefinition(usage),
      options: options.map((o) => ({ ...o, definition: optionDefinition(o.definition) })),
    };
  }

  /** A usage error quotes the command's usage line: in the same words. */
  override error(error: Error, opts?: Parameters<Cli['error']>[1]): string {
    return optionDefinition(super.error(error, opts));
  }
}

/** Builds the CLI with every command registered, or only those that can match `argv`. */
export function buildCli(
  enableColors = colorDepth(process.env, process.stdout.isTTY) > 1,
  argv?: readonly string[],
): Cli {
  const cli = new FizzCli({
    binaryLabel: 'Fizz',
    binaryName: 'fizz',
    binaryVersion: FIZZ_VERSION,
    enableColors,
  });
  const all = [Builtins.HelpCommand, Builtins.VersionCommand, ...commands];
  for (const command of argv ? commandsFor(argv, all, Builtins.HelpCommand) : all) cli.register(command);
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

/**
 * `fizz --host ssh://node CMD …` (`-H`, as docker's): the global option comes before the
 * command and becomes FIZZ_HOST of the command's environment (ssh-host.ts).
 */
export function splitHost(argv: string[]): { host?: string; rest: string[] } | { error: string } {
  let host: string | undefined;
  let i = 0;
  while (i < argv.length) {
    const a = argv[i]!;
    if (a === '--host' || a === '-H') {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('-'))
        return { error: `${a} wants ssh://[user@]host[:port]` };
      host = value;
      i += 2;
    } else if (a.startsWith('--host=')) {
      host = a.slice('--host='.length);
      i += 1;
    } else break;
  }
  return { host, rest: argv.slice(i) };
}

/** Runs `fizz` with the given arguments and returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const split = splitHost(args);
  if ('error' in split) {
    process.stderr.write(`error: ${split.error}\n`);
    return 2;
  }
  const argv = split.rest;
  const depth = colorDepth(process.env, process.stdout.isTTY);
  const cli = buildCli(depth > 1, argv);
  const env = split.host === undefined ? process.env : { ...process.env, FIZZ_HOST: split.host };
  const context = { ...Cli.defaultContext, colorDepth: depth, env };
  let command: Command;
  try {
    command = cli.process(argv, context);
  } catch {
    return buildCli(depth > 1).run(argv, context); // clipanion's own usage message, over every command
  }
  const execute = command.validateAndExecute.bind(command);
  command.validateAndExecute = async () => {
    try {
      return await execute();
    } catch (err) {
      if (isUsageError(err)) throw err;
      context.stderr.write(`error: ${failureText(err)}\n`);
      if (process.env.FIZZ_DEBUG && err instanceof Error && err.stack) context.stderr.write(`${err.stack}\n`);
      return 1;
    }
  };
  return cli.run(command, context);
}

function isUsageError(err: unknown): boolean {
  const c = (err as { clipanion?: { type?: string } } | null)?.clipanion;
  return c?.type === 'usage' || (err as Error | null)?.name === 'UsageError';
}

/**
 * One line for a failure no command handled: what happened and what to do, never a stack
 * trace (FIZZ_DEBUG=1 adds it).
 */
export function failureText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const message = e?.message ?? String(err);
  if (e?.name && AGENT_ERRORS.has(e.name)) return message;
  switch (e?.code) {
    case 'EACCES':
    case 'EPERM':
      return `permission denied: ${message}; run fizz as the user that owns FIZZ_HOME, or set FIZZ_HOME to a directory of your own`;
    case 'ECONNRESET':
    case 'EPIPE':
      return `the agent closed the connection (${message}); run the command again, which starts a new agent`;
    case 'ENOSPC':
      return `no space left on the device (${message}); free some and run the command again`;
    default:
      return `${message} (unexpected ${e?.name ?? 'failure'}; FIZZ_DEBUG=1 shows where it happened)`;
  }
}
