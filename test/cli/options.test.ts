/** Flags that must read as docker compose users type them. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildCli } from '../../src/cli/main.js';

test('logs -f follows (as in docker compose); the file is --file there', () => {
  const cli = buildCli(false);
  const cmd = cli.process(['logs', '-f', '--file', 'a.yaml', 'web']) as unknown as {
    follow: boolean;
    files: string[];
    services: string[];
  };
  assert.equal(cmd.follow, true);
  assert.deepEqual(cmd.files, ['a.yaml']);
  assert.deepEqual(cmd.services, ['web']);
});

test('every other project command keeps -f for the compose file', () => {
  const cli = buildCli(false);
  for (const name of ['up', 'down', 'ps', 'config', 'validate', 'start', 'stop', 'restart']) {
    const cmd = cli.process([name, '-f', 'a.yaml']) as unknown as { files: string[] };
    assert.deepEqual(cmd.files, ['a.yaml'], name);
  }
});
