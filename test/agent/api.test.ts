/** The local API over a real unix socket: routes, streaming, errors, permissions, hostile input. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AgentClient } from '../../src/api/client.js';
import { decodeOpEvent, decodeUpRequest } from '../../src/api/decode.js';
import { AgentApiError, AgentUnreachableError } from '../../src/api/errors.js';
import { homePaths, resolveFizzHome } from '../../src/api/paths.js';
import type { DoneEvent, LogEvent, OpEvent, UpRequest } from '../../src/api/protocol.js';
import { AgentAlreadyRunningError, type ApiHandlers, closeApi, listenApi } from '../../src/api/server.js';

function handlers(overrides: Partial<ApiHandlers> = {}): ApiHandlers {
  const done: DoneEvent = { type: 'done', ok: true, errors: [] };
  return {
    info: async () => ({
      version: '0.0.0',
      apiVersion: 1,
      nodeId: 'n1',
      pid: 1,
      home: '/h',
      projects: ['p'],
    }),
    up: async (req, emit) => {
      for (const name of Object.keys(req.spec.services))
        emit({
          type: 'progress',
          resource: 'container',
          name: `${req.spec.name}-${name}-1`,
          service: name,
          status: 'started',
        });
      return done;
    },
    down: async () => ({ type: 'done', ok: false, errors: ['service "x": boom'] }),
    start: async () => done,
    stop: async () => done,
    restart: async () => {
      throw new Error('restart exploded');
    },
    ps: async (project, all) => ({
      containers: [
        {
          project: project ?? '',
          service: all ? 'all' : 'running',
          replica: 0,
          name: 'c',
          id: 'id',
          image: 'img',
          state: 'running',
          health: 'none',
          ports: [],
          createdAt: 0,
        },
      ],
    }),
    logs: async (q, emit) => {
      for (let i = 0; i < 3; i++)
        emit({
          type: 'log',
          service: q.services[0] ?? 'svc',
          replica: 0,
          container: 'c',
          stream: 'stdout',
          text: `line ${i}`,
        });
    },
    ...overrides,
  };
}

async function withServer(
  h: ApiHandlers,
  body: (client: AgentClient, socket: string, dir: string) => Promise<void>,
) {
  const dir = mkdtempSync(join(tmpdir(), 'fizz-api-'));
  const socket = join(dir, 'home', 'agent.sock');
  const server = await listenApi(socket, h);
  try {
    await body(new AgentClient(socket), socket, dir);
  } finally {
    await closeApi(server, socket);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

const spec = {
  name: 'demo',
  services: { web: {}, db: {} },
  networks: {},
  volumes: {},
  secrets: {},
  configs: {},
};

test('FIZZ_HOME: variable, root default, XDG state dir, home fallback', () => {
  assert.equal(resolveFizzHome({ FIZZ_HOME: '/x' }, 0), '/x');
  assert.equal(resolveFizzHome({}, 0), '/var/lib/fizz');
  assert.equal(resolveFizzHome({ XDG_STATE_HOME: '/s', HOME: '/home/u' }, 1000), '/s/fizz');
  assert.equal(resolveFizzHome({ HOME: '/home/u' }, 1000), '/home/u/.local/state/fizz');
  assert.equal(homePaths('/h').socket, '/h/agent.sock');
});

test('socket is 0600 in a 0700 directory; a second server on it is refused', async () => {
  await withServer(handlers(), async (_client, socket) => {
    assert.equal(statSync(socket).mode & 0o777, 0o600);
    assert.equal(statSync(join(socket, '..')).mode & 0o777, 0o700);
    await assert.rejects(
      listenApi(socket, handlers()),
      (e: Error) => e.name === AgentAlreadyRunningError.name,
    );
  });
});

test('a stale socket file is replaced', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fizz-api-'));
  const socket = join(dir, 'agent.sock');
  writeFileSync(socket, '');
  const server = await listenApi(socket, handlers());
  try {
    assert.equal((await new AgentClient(socket).info()).nodeId, 'n1');
  } finally {
    await closeApi(server, socket);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('info, ps and logs round trip', async () => {
  await withServer(handlers(), async (client) => {
    assert.deepEqual((await client.info()).projects, ['p']);
    assert.equal((await client.ps('demo', true)).containers[0]!.service, 'all');
    assert.equal((await client.ps('demo', false)).containers[0]!.project, 'demo');
    const lines = (await collect(client.logs({ project: 'demo', services: ['web'] }))) as LogEvent[];
    assert.deepEqual(
      lines.map((l) => `${l.service}:${l.text}`),
      ['web:line 0', 'web:line 1', 'web:line 2'],
    );
  });
});

test('logs failing before any line is an error answer, not an empty log', async () => {
  const h = handlers({
    logs: async () => {
      throw Object.assign(new Error('the engine is down'), { name: 'EngineUnreachableError' });
    },
  });
  await withServer(h, async (client) => {
    await assert.rejects(
      collect(client.logs({ project: 'demo' })),
      (e: Error) => e instanceof AgentApiError && e.status === 503 && /engine is down/.test(e.message),
    );
  });
});

test('up streams progress then done; failures and thrown errors end in a failed done', async () => {
  await withServer(handlers(), async (client) => {
    const events: OpEvent[] = await collect(client.up({ spec } as unknown as UpRequest));
    assert.deepEqual(
      events.map((e) => (e.type === 'done' ? `done:${e.ok}` : e.type === 'progress' ? e.name : e.text)),
      ['demo-web-1', 'demo-db-1', 'done:true'],
    );
    const down = await collect(client.down({ project: 'demo' }));
    assert.deepEqual(down, [{ type: 'done', ok: false, errors: ['service "x": boom'] }]);
    const restart = await collect(client.restart({ project: 'demo', services: [] }));
    assert.deepEqual(restart, [{ type: 'done', ok: false, errors: ['restart exploded'] }]);
  });
});

test('bad requests get 400 with the decoder error name', async () => {
  await withServer(handlers(), async (client) => {
    await assert.rejects(
      collect(client.down({ project: '../etc' })),
      (e: Error) => e instanceof AgentApiError && e.status === 400 && e.remoteName === 'ApiDecodeError',
    );
  });
});

test('raw garbage on the socket is answered 400, and the server keeps serving', async () => {
  await withServer(handlers(), async (client, socket) => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ socketPath: socket, method: 'POST', path: '/v1/up' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end('{"spec": [1, 2');
    });
    assert.equal(status, 400);
    assert.equal((await client.info()).nodeId, 'n1');
  });
});

test('no agent on the socket: AgentUnreachableError', async () => {
  const client = new AgentClient(join(tmpdir(), `fizz-nothing-${process.pid}.sock`));
  await assert.rejects(client.info(), (e: Error) => e.name === AgentUnreachableError.name);
});

test('decoders reject hostile shapes with ApiDecodeError only', () => {
  const bad: unknown[] = [
    null,
    42,
    'x',
    [],
    { type: 'progress' },
    { type: 'progress', resource: 'container', name: 'a', status: 'exploded' },
    { type: 'progress', resource: 'planet', name: 'a', status: 'created' },
    { type: 'done', ok: 'yes', errors: [] },
    { type: 'done', ok: true, errors: [1] },
    { type: 'nope' },
  ];
  for (const v of bad)
    assert.throws(
      () => decodeOpEvent(v),
      (e: Error) => e.name === 'ApiDecodeError',
      JSON.stringify(v),
    );
  const badUp: unknown[] = [
    {},
    { spec: null },
    { spec: { name: 'Bad Name', services: {}, networks: {}, volumes: {} } },
    { spec: { name: 'ok', services: [], networks: {}, volumes: {} } },
    { spec: { name: 'ok', services: { a: 1 }, networks: {}, volumes: {} } },
    { spec: { name: 'ok', services: {}, networks: {}, volumes: {} }, wait: 'yes' },
  ];
  for (const v of badUp)
    assert.throws(
      () => decodeUpRequest(v),
      (e: Error) => e.name === 'ApiDecodeError',
      JSON.stringify(v),
    );
  assert.equal(
    decodeUpRequest({ spec: { name: 'ok', services: {}, networks: {}, volumes: {} }, wait: true }).wait,
    true,
  );
});
