/**
 * Starting a background agent: one that cannot start has the CLI quote its own error
 * message, not lines from the middle of a stack trace; a question sent alongside `info`
 * (connectAsking, `fizz ps`) is asked again of the agent the CLI started.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { AgentClient } from '../../src/api/client.js';
import { homePaths } from '../../src/api/paths.js';
import { connectAgent, connectAsking } from '../../src/cli/agent-client.js';

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

test('a question sent alongside info with no agent running is asked again of the agent started, once of one running', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fz-as-'));
  const paths = homePaths(join(dir, 'h'));
  t.after(() => {
    try {
      process.kill(Number(readFileSync(paths.pid, 'utf8')), 'SIGTERM');
    } catch {
      // it did not start, or has stopped
    }
    rmSync(dir, { recursive: true, force: true });
  });
  let asked = 0;
  const ask = (c: AgentClient) => {
    asked++;
    return c.ps(undefined, true);
  };
  const options = { paths, autoStart: true, env: process.env };
  const started = await connectAsking(options, ask);
  assert.equal(asked, 2, 'asked with no agent (refused), then of the agent started');
  assert.deepEqual(started.answer.containers, [], 'a new node owns no container');
  assert.equal(started.client.lastInfo?.home, paths.home);
  asked = 0;
  const running = await connectAsking(options, ask);
  assert.equal(asked, 1);
  assert.equal(running.client.lastInfo?.pid, started.client.lastInfo?.pid);
});
