/**
 * `fizz logs` prefixes have one width on every run: padded to the longest `service-N` of the
 * project's containers, not only of those that printed (`--tail 1` twice used to differ).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BIN } from '../e2e/harness.js';

const INFO = { version: 'test', apiVersion: 1, nodeId: 'n1', pid: 1, home: '/x', projects: ['p'] };
const entry = (service: string) => ({
  project: 'p',
  service,
  replica: 0,
  name: `p-${service}-1`,
  id: service,
  image: 'x',
  state: 'running',
  health: 'none',
  ports: [],
  createdAt: 0,
});

test('logs: a line of the short-named service alone is padded to the longest name of the project', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fz-align-'));
  const home = join(dir, 'h');
  mkdirSync(home, { mode: 0o700 });
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url?.startsWith('/v1/info')) return void res.end(JSON.stringify(INFO));
    if (req.url?.startsWith('/v1/ps'))
      return void res.end(JSON.stringify({ containers: [entry('web'), entry('database')] }));
    const line = {
      type: 'log',
      service: 'web',
      replica: 0,
      container: 'p-web-1',
      stream: 'stdout',
      text: 'hello\n',
    };
    res.end(`${JSON.stringify(line)}\n`);
  });
  await new Promise<void>((r) => server.listen(join(home, 'agent.sock'), r));
  t.after(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const out = await new Promise<string>((resolve) => {
    const child = spawn(process.execPath, [BIN, 'logs', '-p', 'p', '--tail', '1'], {
      env: { ...process.env, FIZZ_HOME: home, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.on('close', () => resolve(text));
  });
  assert.equal(out, 'web-1      | hello\n');
});
