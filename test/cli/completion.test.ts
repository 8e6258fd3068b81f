/**
 * Shell completion: the words offered for a line (complete.ts over the real commands, with
 * fake sources), the service names read from compose files, the three scripts' syntax, and
 * the bash function end to end (COMP_WORDS/COMP_CWORD set, `fizz` on PATH).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type CompletionSources, commandTable, complete } from '../../src/cli/completion/complete.js';
import { completionScript, SHELLS } from '../../src/cli/completion/scripts.js';
import { serviceNames } from '../../src/cli/completion/sources.js';
import { buildCli } from '../../src/cli/main.js';

const BIN = fileURLToPath(new URL('../../../bin/fizz.js', import.meta.url));
const TABLE = commandTable(buildCli(false).definitions(), 'fizz');

/** Services per `-f` list (the empty list: the project of the working directory). */
const FAKE: CompletionSources = {
  services: async (files) => (files.length === 0 ? ['web', 'db', 'worker'] : files.map((f) => `from-${f}`)),
  nodes: async () => ['h1', 'h2'],
};

const cases: Array<[string, string[], number, string[] | ':files']> = [
  ['commands by prefix', ['p'], 0, ['pause', 'port', 'ps', 'pull']],
  ['every command, none hidden', [''], 0, [...new Set(TABLE.map((c) => c.path[0]!))].sort()],
  ['the second word of a two-word command', ['secret', ''], 1, ['create', 'ls', 'rm']],
  ['a command that begins longer paths offers their next words too', ['config', 'l'], 1, ['ls']],
  ['node rm: the nodes', ['node', 'rm', ''], 2, ['h1', 'h2']],
  ['services after a project command', ['ps', ''], 1, ['db', 'web', 'worker']],
  ['services by prefix, after a flag', ['logs', '-t', 'w'], 2, ['web', 'worker']],
  ['a service named once is not offered again', ['stop', 'web', ''], 2, ['db', 'worker']],
  ['the -f files choose the project', ['-f', 'a.yaml', 'ps', ''], 3, ['from-a.yaml']],
  ['--file after the command too', ['up', '--file', 'b.yaml', '-d', ''], 4, ['from-b.yaml']],
  ['a command after global options', ['-p', 'shop', 'rest'], 2, ['restart']],
  ['flags of the command', ['ps', '--f'], 1, ['--file', '--filter', '--format']],
  ['flag values from the description', ['ps', '--format', ''], 2, ['json', 'table']],
  ['config prints yaml or json', ['config', '--format', ''], 2, ['json', 'yaml']],
  ['up --pull', ['up', '--pull', ''], 2, ['always', 'missing', 'never']],
  ['ps --status lists the states', ['ps', '--status', 'r'], 2, ['removing', 'restarting', 'running']],
  ['file names for -f', ['-f', ''], 1, ':files'],
  ['file names for --env-file', ['up', '--env-file', ''], 2, ':files'],
  ['logs -f is --follow: services follow it', ['logs', '-f', ''], 2, ['db', 'web', 'worker']],
  ['exec: a service, then the command (nothing offered)', ['exec', 'web', ''], 2, []],
  ['scale offers SERVICE=', ['scale', 'w'], 1, ['web=', 'worker=']],
  ['up --scale offers SERVICE=', ['up', '--scale', 'd'], 2, ['db=']],
  ['label: the nodes, then nothing', ['label', ''], 1, ['h1', 'h2']],
  ['label KEY=VALUE: nothing', ['label', 'h1', ''], 2, []],
  ['completion: the shells', ['completion', ''], 1, ['bash', 'fish', 'zsh']],
  ['no positional for ls', ['ls', ''], 1, []],
];

for (const [name, words, index, expected] of cases)
  test(`complete: ${name}`, async () => {
    const got = await complete(TABLE, words, index, FAKE);
    assert.deepEqual(got.files ? ':files' : got.words, expected);
  });

test('service names: every file of the list, override files add theirs, a broken file adds none', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fizz-complete-'));
  try {
    writeFileSync(join(dir, 'a.yaml'), 'services:\n  web:\n    image: x\n  db:\n    image: "${DB:-pg}"\n');
    writeFileSync(join(dir, 'b.yaml'), 'services:\n  web:\n    ports: ["80"]\n  cache: {image: redis}\n');
    writeFileSync(join(dir, 'bad.yaml'), 'services: [\n');
    writeFileSync(join(dir, 'list.yaml'), 'services:\n  - web\n');
    assert.deepEqual(
      serviceNames(['a.yaml', 'b.yaml', 'bad.yaml', 'list.yaml', 'missing.yaml'].map((f) => join(dir, f))),
      ['web', 'db', 'cache'],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function installed(shell: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${shell}`]).status === 0;
}

for (const shell of SHELLS) {
  const here = installed(shell);
  test(`${shell} -n accepts the ${shell} script${here ? '' : ` (skipped: ${shell} is not installed)`}`, {
    skip: !here,
  }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'fizz-complete-'));
    try {
      writeFileSync(join(dir, 'fizz'), completionScript(shell));
      const r = spawnSync(shell, ['-n', join(dir, 'fizz')], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('bash: the completion function offers commands, services of the project here, flags and file names', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fizz-complete-'));
  try {
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'fizz'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
    chmodSync(join(dir, 'bin', 'fizz'), 0o755);
    writeFileSync(join(dir, 'compose.yaml'), 'services:\n  web:\n    image: x\n  api:\n    image: y\n');
    writeFileSync(join(dir, 'compose.override.yaml'), 'services:\n  debug:\n    image: z\n');
    const run = (words: string[]) =>
      execFileSync(
        'bash',
        [
          '-c',
          `source <(fizz completion bash)
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}
_fizz_complete; printf '%s\\n' "\${COMPREPLY[@]}"`,
        ],
        {
          cwd: dir,
          encoding: 'utf8',
          env: {
            ...process.env,
            PATH: `${join(dir, 'bin')}:${process.env.PATH}`,
            FIZZ_HOME: join(dir, 'home'),
          },
        },
      )
        .split('\n')
        .filter(Boolean);
    assert.deepEqual(run(['fizz', 'lo']), ['logs']);
    assert.deepEqual(run(['fizz', 'restart', '']), ['api', 'debug', 'web']);
    assert.deepEqual(run(['fizz', 'ps', '--no-']), ['--no-trunc']);
    assert.deepEqual(run(['fizz', '-f', 'compose.o']), ['compose.override.yaml']);
    assert.deepEqual(run(['fizz', 'label', '']), [], 'no agent here: no node names');
    assert.ok(!existsSync(join(dir, 'home')), 'and completion started none');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
