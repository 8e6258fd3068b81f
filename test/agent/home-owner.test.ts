/**
 * A FIZZ_HOME, state directory or socket that another user owns is refused with a clear
 * message (HomeOwnerError), before the agent changes or reads anything in it.
 */
import assert from 'node:assert/strict';
import { chownSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runDaemon } from '../../src/agent/daemon.js';
import { homePaths } from '../../src/api/paths.js';

const root = process.getuid?.() === 0;

for (const which of ['home', 'state', 'socket'] as const) {
  test(`the agent refuses a ${which} owned by another user`, {
    skip: root ? false : 'needs root to chown',
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fz-own-'));
    try {
      const paths = homePaths(join(dir, 'h'));
      mkdirSync(paths.state, { recursive: true, mode: 0o700 });
      if (which === 'socket') writeFileSync(paths.socket, '');
      const path = which === 'home' ? paths.home : which === 'state' ? paths.state : paths.socket;
      chownSync(path, 65534, 65534);
      if (which === 'home') chownSync(paths.home, 65534, 65534);
      const mode = statSync(paths.home).mode & 0o777;
      await assert.rejects(runDaemon({ home: paths.home }), (e: Error) => {
        assert.equal(e.name, 'HomeOwnerError');
        assert.match(e.message, /belongs to user 65534, not to this agent's user 0/);
        return true;
      });
      assert.equal(statSync(paths.home).mode & 0o777, mode, 'the mode was left as it was');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
