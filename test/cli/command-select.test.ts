/** Registering only the commands argv can reach parses argv as the whole CLI does. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Builtins, type CommandClass } from 'clipanion';
import fc from 'fast-check';
import { commandsFor } from '../../src/cli/command-select.js';
import { commands } from '../../src/cli/commands/index.js';
import { buildCli } from '../../src/cli/main.js';

const ALL: CommandClass[] = [Builtins.HelpCommand, Builtins.VersionCommand, ...commands];
const PATHS = commands.flatMap((c) => c.paths ?? []);

test('only the commands whose path is in argv; all of them for help, none or a typo', () => {
  const names = (argv: string[]) =>
    commandsFor(argv, ALL, Builtins.HelpCommand).map((c) => (c.paths ?? [])[0]?.join(' '));
  assert.deepEqual(names(['ps', '-a']), ['ps']);
  assert.deepEqual(names(['--version']), ['-v']);
  assert.deepEqual(names(['-f', 'ps', 'up']).sort(), ['ps', 'up']);
  assert.equal(names([]).length, ALL.length);
  assert.equal(names(['pss']).length, ALL.length);
  assert.equal(names(['ps', '--help']).length, ALL.length);
});

/** What clipanion makes of argv: the command class, its options, or the error it raises. */
function parse(cli: ReturnType<typeof buildCli>, argv: string[]): string {
  try {
    const c = cli.process(argv) as unknown as Record<string, unknown>;
    const fields = Object.entries(c).filter(([k]) => k !== 'cli' && k !== 'context' && k !== 'path');
    return `${c.constructor.name} ${JSON.stringify(fields)}`;
  } catch (err) {
    return `error ${(err as Error).name}`;
  }
}

test('property: the selected commands parse any argv made of paths, flags and words as every command does', () => {
  const word = fc.oneof(
    fc.constantFrom(
      ...PATHS.flat(),
      '-f',
      'a.yaml',
      '-p',
      'shop',
      '-a',
      '-q',
      '--format',
      'json',
      '-d',
      'web',
    ),
    fc.constantFrom('--version', '-v', 'x=1', '--', 'web=3'),
  );
  const full = buildCli(false);
  fc.assert(
    fc.property(fc.array(word, { maxLength: 6 }), (argv) => {
      assert.equal(parse(buildCli(false, argv), argv), parse(full, argv), argv.join(' '));
    }),
    { numRuns: 400 },
  );
});
