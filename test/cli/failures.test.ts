/**
 * Failures the CLI cannot help: the agent dies mid-answer, or its socket is not this user's.
 * Each is one `error:` line on stderr saying what happened and what to do, exit 1, nothing
 * on stdout (no `Internal Error`, no stack trace).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { BIN } from '../e2e/harness.js';

const INFO = { version: 'test', apiVersion: 1, nodeId: 'n1', pid: 1, home: '/x', projects: [] };

/** An agent that answers `info` and dies in the middle of every other answer. */
async function dyingAgent(t: TestContext): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'fz-fail-'));
  const home = join(dir, 'h');
  mkdirSync(home, { mode: 0o700 });
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith('/v1/info')) {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(INFO));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/x-ndjson', 'content-length': '100000' });
    res.write(req.url?.startsWith('/v1/logs') ? '{"type":"log","service":"web","replica":0,' : '{"contai');
    setTimeout(() => res.socket?.destroy(), 50);
  });
  await new Promise<void>((r) => server.listen(join(home, 'agent.sock'), r));
  t.after(() => {
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return home;
}

function fizz(
  args: string[],
  home: string,
  uid?: number,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, FIZZ_HOME: home, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: tmpdir(),
      ...(uid !== undefined ? { uid, gid: uid } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

function oneErrorLine(r: { code: number; stdout: string; stderr: string }, what: RegExp): void {
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, '');
  assert.doesNotMatch(r.stderr, /Internal Error|^\s+at /m);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, what);
}

test('the agent dies in the middle of `ps`: one error line saying so and what to do', async (t) => {
  const home = await dyingAgent(t);
  oneErrorLine(
    await fizz(['ps', '-p', 'x', '--format', 'json'], home),
    /^error: the agent closed the connection.*run the command again/,
  );
});

test('the agent dies in the middle of `logs`: one error line', async (t) => {
  const home = await dyingAgent(t);
  oneErrorLine(await fizz(['logs', '-p', 'x'], home), /^error: the agent closed the connection/);
});

test('the socket is not this user’s (EACCES): one error line saying what to do', {
  skip: process.getuid?.() !== 0 ? 'needs root to run fizz as another user' : false,
}, async (t) => {
  const home = await dyingAgent(t);
  oneErrorLine(
    await fizz(['ps', '-p', 'x'], home, 65534),
    /^error: permission denied on .*agent\.sock.*FIZZ_HOME/,
  );
});
