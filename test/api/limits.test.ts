/**
 * The local API's limits (src/api/limits.ts) over a real unix socket: idle connections and
 * requests whose headers or body never finish arriving are closed; connections past the cap
 * are refused; a body past the cap is refused before it is read whole. Limits are made
 * small here so the test takes a second.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { type ApiLimits, DEFAULT_API_LIMITS } from '../../src/api/limits.js';
import { type ApiHandlers, closeApi, listenApi } from '../../src/api/server.js';

const LIMITS: ApiLimits = {
  ...DEFAULT_API_LIMITS,
  headersTimeoutMs: 300,
  requestTimeoutMs: 500,
  keepAliveTimeoutMs: 200,
  checkIntervalMs: 50,
  maxConnections: 8,
  maxBodyBytes: 1 << 20,
};

const done = async () => ({ type: 'done' as const, ok: true, errors: [] });
const handlers: ApiHandlers = {
  info: async () => ({ version: '0', apiVersion: 1, nodeId: 'n', pid: 1, home: '/h', projects: [] }),
  up: done,
  down: done,
  start: done,
  stop: done,
  restart: done,
  ps: async () => ({ containers: [] }),
  logs: async () => {},
};

async function serve(t: TestContext): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'fz-lim-'));
  const socket = join(dir, 'agent.sock');
  const server = await listenApi(socket, handlers, LIMITS);
  t.after(async () => {
    await closeApi(server, socket);
    rmSync(dir, { recursive: true, force: true });
  });
  return socket;
}

function open(socket: string): Promise<{ s: Socket; closed: Promise<string> }> {
  return new Promise((resolve, reject) => {
    const s = connect(socket);
    let data = '';
    s.on('data', (d) => (data += d));
    const closed = new Promise<string>((r) => s.on('close', () => r(data)));
    s.once('connect', () => resolve({ s, closed }));
    s.once('error', reject);
  });
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`${what} still open after ${ms} ms`)), ms),
    ),
  ]);
}

test('idle connections (nothing sent) are closed once the headers timeout passes; past the cap, refused', async (t) => {
  const socket = await serve(t);
  const conns = await Promise.all(Array.from({ length: 20 }, () => open(socket).catch(() => undefined)));
  const opened = conns.filter((c) => c !== undefined);
  await within(Promise.all(opened.map((c) => c.closed)), 3000, 'idle connections');
});

test('a slow partial body is cut (408) once the request timeout passes', async (t) => {
  const socket = await serve(t);
  const { s, closed } = await open(socket);
  s.write(
    'POST /v1/up HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 500000\r\n\r\n{"spec":',
  );
  const timer = setInterval(() => s.writable && s.write(' '), 100);
  try {
    const answer = await within(closed, 3000, 'the slow request');
    assert.match(answer, /^HTTP\/1\.1 408/);
  } finally {
    clearInterval(timer);
  }
});

test('a body over the cap is refused from its declared length, without reading it', async (t) => {
  const socket = await serve(t);
  const { s, closed } = await open(socket);
  s.write('POST /v1/up HTTP/1.1\r\nhost: x\r\ncontent-length: 999999999\r\nconnection: close\r\n\r\n{');
  const answer = await within(closed, 3000, 'the oversized request');
  assert.match(answer, /^HTTP\/1\.1 400/);
  assert.match(answer, /request body too large/);
});
