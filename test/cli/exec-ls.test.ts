/** `fizz exec`'s `-e` handling and `fizz ls`'s output: status words, aligned table, JSON fields, -q; config file paths. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UsageError } from 'clipanion';
import type { LsEntry } from '../../src/api/protocol.js';
import { type ExecCommand, execEnv } from '../../src/cli/commands/exec.js';
import { lsStatus, renderLs } from '../../src/cli/commands/ls.js';
import { configFilePaths } from '../../src/cli/config-files.js';
import { buildCli } from '../../src/cli/main.js';

test('exec -e: KEY=VAL as given, KEY from the environment (dropped when unset), =VAL refused', () => {
  assert.deepEqual(execEnv(['A=1', 'B=', 'HOME', 'UNSET', 'C=x=y'], { HOME: '/home/u' }), [
    'A=1',
    'B=',
    'HOME=/home/u',
    'C=x=y',
  ]);
  assert.throws(() => execEnv(['=1'], {}), UsageError);
});

test('ls status: running first, then the other states by name; counts in parentheses', () => {
  assert.equal(lsStatus({ running: 3 }), 'running(3)');
  assert.equal(lsStatus({ exited: 1, running: 2, created: 1 }), 'running(2), created(1), exited(1)');
  assert.equal(lsStatus({ exited: 1 }), 'exited(1)');
  assert.equal(lsStatus({}), 'empty');
});

test('ls table is aligned; json has docker compose’s fields; -q only names', () => {
  const projects: LsEntry[] = [
    { name: 'blog', states: { exited: 1 }, configFiles: [] },
    {
      name: 'shop-long-name',
      states: { running: 2 },
      configFiles: ['/a/compose.yaml', '/a/compose.override.yaml'],
    },
  ];
  assert.equal(
    renderLs(projects, { quiet: false, format: 'table' }),
    [
      'NAME             STATUS       CONFIG FILES',
      'blog             exited(1)',
      'shop-long-name   running(2)   /a/compose.yaml,/a/compose.override.yaml',
      '',
    ].join('\n'),
  );
  assert.deepEqual(JSON.parse(renderLs(projects, { quiet: false, format: 'json' })), [
    { Name: 'blog', Status: 'exited(1)', ConfigFiles: '' },
    { Name: 'shop-long-name', Status: 'running(2)', ConfigFiles: '/a/compose.yaml,/a/compose.override.yaml' },
  ]);
  assert.equal(renderLs(projects, { quiet: true, format: 'table' }), 'blog\nshop-long-name\n');
  assert.equal(renderLs([], { quiet: false, format: 'table' }), 'NAME   STATUS   CONFIG FILES\n');
});

test('config file paths: -f resolved, COMPOSE_FILE, else discovered with the override', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fizz-cf-'));
  try {
    const sub = join(dir, 'sub');
    mkdirSync(sub);
    writeFileSync(join(dir, 'compose.yaml'), 'services: {}\n');
    writeFileSync(join(dir, 'compose.override.yml'), 'services: {}\n');
    assert.deepEqual(configFilePaths({ cwd: sub, env: {} }), [
      join(dir, 'compose.yaml'),
      join(dir, 'compose.override.yml'),
    ]);
    assert.deepEqual(configFilePaths({ cwd: dir, env: {}, files: ['x.yaml', '-'] }), [
      join(dir, 'x.yaml'),
      '-',
    ]);
    assert.deepEqual(configFilePaths({ cwd: dir, env: { COMPOSE_FILE: 'a.yaml:b.yaml' } }), [
      join(dir, 'a.yaml'),
      join(dir, 'b.yaml'),
    ]);
    assert.deepEqual(configFilePaths({ cwd: '/', env: {} }), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('exec parsing: options before the service are fizz’s, everything after it is the command’s', () => {
  const cli = buildCli(false);
  const parse = (args: string[]) => cli.process(args) as ExecCommand;
  const a = parse(['exec', '-T', '-e', 'A=1', '--index', '2', 'web', 'ls', '-la', '--index', '3']);
  assert.equal(a.service, 'web');
  assert.deepEqual(a.command, ['ls', '-la', '--index', '3']);
  assert.deepEqual([a.noTty, a.env, a.index], [true, ['A=1'], '2']);
  const b = parse(['exec', 'web', 'sh', '-c', 'echo -T']);
  assert.deepEqual([b.noTty, b.command], [false, ['sh', '-c', 'echo -T']]);
  assert.throws(() => cli.process(['exec', 'web']));
});
