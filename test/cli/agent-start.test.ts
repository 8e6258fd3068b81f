/**
 * A background agent that cannot start: the CLI quotes the agent's own error message, not
 * lines from the middle of a stack trace.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { homePaths } from '../../src/api/paths.js';
import { connectAgent } from '../../src/cli/agent-client.js';

test('an agent that fails to start (its state locked by a live process): the CLI shows its error message', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fz-as-'));
  const holder = spawn('sleep', ['60'], { stdio: 'ignore' });
  t.after(() => {
    holder.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  await new Promise((r) => holder.once('spawn', r));
  const paths = homePaths(join(dir, 'h'));
  mkdirSync(paths.state, { recursive: true, mode: 0o700 });
  const stat = readFileSync(`/proc/${holder.pid}/stat`, 'utf8');
  const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  writeFileSync(join(paths.state, 'state.lock'), `${holder.pid} ${start}\n`);
  const env = { ...process.env, DOCKER_HOST: `unix://${dir}/no-engine.sock` };
  await assert.rejects(connectAgent({ paths, autoStart: true, env }), (e: Error) => {
    assert.equal(e.name, 'AgentStartError');
    assert.match(e.message, new RegExp(`is in use by process ${holder.pid}`));
    assert.doesNotMatch(e.message, /\n|^\s+at /m);
    return true;
  });
});
