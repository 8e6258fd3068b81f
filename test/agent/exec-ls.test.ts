/**
 * `fizz exec` and `fizz ls` through the local API over a real unix socket, with the agent on
 * FakeRuntime: the exec upgrade, frames both ways, exit codes, the errors a user sees, hostile
 * frames and requests, an agent stopping under an open session; `ls` counting states and
 * keeping the config files.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import type { Agent } from '../../src/agent/agent.js';
import { execTarget } from '../../src/agent/exec.js';
import { listProjects } from '../../src/agent/ls.js';
import { FileProjectFiles } from '../../src/agent/project-files.js';
import { AgentClient } from '../../src/api/client.js';
import type { ExecIo } from '../../src/api/exec-client.js';
import {
  decodeExecRequest,
  EXEC_UPGRADE,
  encodeExecRequest,
  encodeFrame,
  exitFrame,
  FRAME,
  FrameDecoder,
  MAX_FRAME,
  resizeFrame,
} from '../../src/api/exec-stream.js';
import type { ExecRequest } from '../../src/api/protocol.js';
import { closeApi, listenApi } from '../../src/api/server.js';
import type { ProjectSpec } from '../../src/compose/types.js';
import { FakeRuntime } from '../../src/runtime/fake.js';
import { type ContainerInfo, LABELS } from '../../src/runtime/types.js';
import { project } from '../reconcile/fixtures.js';
import { service, testAgent } from './fixtures.js';

async function withAgent(
  body: (ctx: {
    agent: Agent;
    runtime: FakeRuntime;
    client: AgentClient;
    socket: string;
    dir: string;
  }) => Promise<void>,
  runtime = new FakeRuntime(),
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fizz-exec-'));
  const socket = join(dir, 'agent.sock');
  const { agent } = testAgent({
    runtime,
    home: dir,
    projectFiles: new FileProjectFiles(join(dir, 'config-files.json')),
  });
  const server = await listenApi(socket, agent);
  try {
    await body({ agent, runtime, client: new AgentClient(socket), socket, dir });
  } finally {
    await closeApi(server, socket);
    await agent.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function up(agent: Agent, spec: ProjectSpec, configFiles?: string[]): Promise<void> {
  const done = await agent.up(
    configFiles ? { spec, configFiles } : { spec },
    () => {},
    new AbortController().signal,
  );
  assert.ok(done.ok, done.errors.join('; '));
}

function execReq(over: Partial<ExecRequest> = {}): ExecRequest {
  return {
    project: 'shop',
    service: 'web',
    index: 1,
    command: ['echo', 'hi'],
    tty: false,
    detach: false,
    env: [],
    ...over,
  };
}

/** Runs an exec through the client; returns what it wrote and the exit code. */
async function exec(
  client: AgentClient,
  req: ExecRequest,
  stdin?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d) => {
    stdout += d;
  });
  err.on('data', (d) => {
    stderr += d;
  });
  const io: ExecIo = { stdout: out, stderr: err };
  if (stdin !== undefined) {
    const input = new PassThrough();
    io.stdin = input;
    // Written in two pieces after the session opened, then ended.
    setImmediate(() => {
      input.write(stdin.slice(0, 2));
      input.end(stdin.slice(2));
    });
  }
  const code = await client.exec(req, io);
  return { code, stdout, stderr };
}

test('exec frames: round trip split at every byte; hostile frames are refused', () => {
  const wire = Buffer.concat([
    encodeFrame(FRAME.stdout, Buffer.from('out')),
    encodeFrame(FRAME.stdinEnd),
    resizeFrame(24, 80),
    exitFrame(-2),
  ]);
  for (let step = 1; step <= wire.length; step++) {
    const d = new FrameDecoder();
    const frames = [];
    for (let at = 0; at < wire.length; at += step) frames.push(...d.push(wire.subarray(at, at + step)));
    assert.deepEqual(
      frames.map((f) => f.type),
      [FRAME.stdout, FRAME.stdinEnd, FRAME.resize, FRAME.exit],
    );
    assert.equal(frames[0]!.payload.toString(), 'out');
    assert.equal(frames[2]!.payload.readUInt16BE(0), 24);
    assert.equal(frames[2]!.payload.readUInt16BE(2), 80);
    assert.equal(frames[3]!.payload.readInt32BE(0), -2);
  }
  assert.throws(() => new FrameDecoder().push(Buffer.from([9, 0, 0, 0, 0])), { name: 'ApiDecodeError' });
  const huge = Buffer.alloc(5);
  huge[0] = FRAME.stdin;
  huge.writeUInt32BE(MAX_FRAME + 1, 1);
  assert.throws(() => new FrameDecoder().push(huge), { name: 'ApiDecodeError' });
  assert.throws(() => new FrameDecoder().push(encodeFrame(FRAME.exit, Buffer.from('x'))), {
    name: 'ApiDecodeError',
  });
});

test('exec requests: every field checked', () => {
  const ok = execReq({ user: 'nobody', workdir: '/tmp', env: ['A=1', 'B='] });
  const frames = new FrameDecoder().push(encodeExecRequest(ok));
  assert.deepEqual(
    frames.map((f) => f.type),
    [FRAME.request],
  );
  assert.deepEqual(decodeExecRequest(frames[0]!.payload), ok);
  const bad = (v: unknown) => Buffer.from(JSON.stringify(v));
  for (const [what, params] of [
    ['empty', Buffer.alloc(0)],
    ['not JSON', Buffer.from('{')],
    ['a list', bad([])],
    ['bad project', bad(execReq({ project: 'Shop!' }))],
    ['index 0', bad(execReq({ index: 0 }))],
    ['index 1.5', bad(execReq({ index: 1.5 }))],
    ['no command', bad(execReq({ command: [] }))],
    ['command not strings', bad({ ...execReq(), command: [1] })],
    ['env without =', bad(execReq({ env: ['A'] }))],
    ['tty not boolean', bad({ ...execReq(), tty: 'yes' })],
    ['user not a string', bad({ ...execReq(), user: 0 })],
  ] as const)
    assert.throws(() => decodeExecRequest(params), { name: 'ApiDecodeError' }, what);
});

test('exec through the agent: output, stdin piped, exit code, the replica asked for', async () => {
  await withAgent(async ({ agent, client, runtime }) => {
    await up(agent, project('shop', { web: service({ deploy: { replicas: 2 } }) }));
    assert.deepEqual(await exec(client, execReq({ command: ['echo', 'hello'] })), {
      code: 0,
      stdout: 'hello\n',
      stderr: '',
    });
    assert.deepEqual(await exec(client, execReq({ command: ['cat'] }), 'piped\ninput\n'), {
      code: 0,
      stdout: 'piped\ninput\n',
      stderr: '',
    });
    assert.equal((await exec(client, execReq({ command: ['sh', '-c', 'exit 3'] }))).code, 3);
    const miss = await exec(client, execReq({ command: ['nope'] }));
    assert.deepEqual(miss, { code: 127, stdout: '', stderr: 'fake: nope: not found\n' });
    await exec(client, execReq({ index: 2 }));
    const second = [...runtime.containers.values()].find((c) => c.info.labels[LABELS.slot] === '1')!;
    assert.ok(runtime.calls.includes(`exec ${second.info.id}`), runtime.calls.join('\n'));
  });
});

test('exec errors are one clear message, before anything runs', async () => {
  await withAgent(async ({ agent, client, runtime }) => {
    await up(agent, project('shop', { web: service(), db: service() }));
    const cases: Array<[Partial<ExecRequest>, RegExp]> = [
      [{ service: 'nope' }, /^no such service: nope$/],
      [{ index: 3 }, /^service "web" has no container with index 3 \(it has 1\)$/],
      [{ project: 'other' }, /^project "other" is not up$/],
    ];
    for (const [over, message] of cases)
      await assert.rejects(exec(client, execReq(over)), (e: Error & { status?: number }) => {
        assert.equal(e.name, 'AgentApiError');
        assert.equal(e.status, 404);
        assert.match(e.message, message);
        return true;
      });
    const stop = await agent.stop({ project: 'shop', services: ['db'] }, () => {});
    assert.ok(stop.ok, stop.errors.join('; '));
    await assert.rejects(
      exec(client, execReq({ service: 'db' })),
      /service "db" is not running|container shop-db-1 of service "db" is not running/,
    );
    assert.ok(!runtime.calls.some((c) => c.startsWith('exec ')), 'nothing was run');
  });
});

test('a command line and environment past 16 KiB (Node’s header limit) reach the command', async () => {
  await withAgent(async ({ agent, client }) => {
    await up(agent, project('shop', { web: service() }));
    const long = 'x'.repeat(20 << 10);
    const env = Array.from({ length: 200 }, (_, i) => `VAR_${i}=${'v'.repeat(100)}`);
    assert.deepEqual(await exec(client, execReq({ command: ['echo', long, 'end'], env })), {
      code: 0,
      stdout: `${long} end\n`,
      stderr: '',
    });
  });
});

test('an upgrade whose first frame is not a well-formed request is refused with 400', async () => {
  await withAgent(async ({ agent, socket }) => {
    await up(agent, project('shop', { web: service() }));
    const head = `GET /v1/exec HTTP/1.1\r\nHost: fizz\r\nConnection: Upgrade\r\nUpgrade: ${EXEC_UPGRADE}\r\n\r\n`;
    const cases: Array<[string, Buffer, RegExp]> = [
      ['stdin first', encodeFrame(FRAME.stdin, Buffer.from('x')), /first frame is not the request/],
      ['not JSON', encodeFrame(FRAME.request, Buffer.from('{')), /not JSON/],
      [
        'bad field',
        encodeFrame(FRAME.request, Buffer.from(JSON.stringify({ ...execReq(), index: 0 }))),
        /index/,
      ],
      ['unknown type', Buffer.from([42, 0, 0, 0, 0]), /unknown type 42/],
    ];
    for (const [what, frame, message] of cases) {
      const answer = await rawHttp(socket, Buffer.concat([Buffer.from(head), frame]));
      assert.match(answer, /^HTTP\/1\.1 400 /, `${what}: ${answer}`);
      assert.match(answer, message, what);
    }
    // A request that never arrives whole: the client closing ends it without an answer.
    const c = createConnection(socket);
    c.on('error', () => {});
    c.write(Buffer.concat([Buffer.from(head), encodeExecRequest(execReq()).subarray(0, 10)]));
    c.end();
    await new Promise<void>((resolve) => c.once('close', () => resolve()));
  });
});

/** Opens an exec upgrade by hand, as a hostile or broken client would. */
function rawUpgrade(socketPath: string, req: ExecRequest): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const r = request({
      socketPath,
      path: '/v1/exec',
      headers: { Connection: 'Upgrade', Upgrade: EXEC_UPGRADE },
    });
    r.on('upgrade', (_res, socket) => resolve(socket));
    r.on('response', (res) => reject(new Error(`status ${res.statusCode}`)));
    r.on('error', reject);
    r.end(encodeExecRequest(req));
  });
}

async function readFrames(socket: Socket): Promise<Array<{ type: number; payload: Buffer }>> {
  const d = new FrameDecoder();
  const frames = [];
  for await (const chunk of socket as AsyncIterable<Buffer>) frames.push(...d.push(chunk));
  return frames;
}

test('a garbage frame ends the session with an error frame; the agent stopping cuts open sessions', async () => {
  await withAgent(async ({ agent, socket }) => {
    await up(agent, project('shop', { web: service() }));
    const s = await rawUpgrade(socket, execReq({ command: ['cat'] }));
    s.write(Buffer.from([42, 0, 0, 0, 0]));
    const frames = await readFrames(s);
    assert.equal(frames.at(-1)!.type, FRAME.error);
    assert.match(frames.at(-1)!.payload.toString(), /unknown type 42/);
  });
  let open: Socket | undefined;
  await withAgent(async ({ agent, socket }) => {
    await up(agent, project('shop', { web: service() }));
    // stdin never ends: the session stays open until the server closes (withAgent's closeApi).
    open = await rawUpgrade(socket, execReq({ command: ['cat'] }));
    open.on('error', () => {});
  });
  assert.ok(open);
  await new Promise<void>((resolve) => (open!.destroyed ? resolve() : open!.once('close', () => resolve())));
});

test('an upgrade to another protocol or path is refused', async () => {
  await withAgent(async ({ socket }) => {
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const r = request({
        socketPath: socket,
        path: '/v1/exec',
        headers: { Connection: 'Upgrade', Upgrade: 'websocket' },
      });
      r.on('response', (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      r.on('upgrade', () => reject(new Error('upgraded')));
      r.on('error', reject);
      r.end();
    });
    assert.equal(status, 404);
  });
});

/** Sends `raw` on the socket as is; resolves with everything the server answered until it closed. */
function rawHttp(socketPath: string, raw: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = createConnection(socketPath);
    let got = '';
    c.setEncoding('utf8');
    c.on('data', (d: string) => {
      got += d;
    });
    c.on('error', reject);
    c.on('close', () => resolve(got));
    c.write(raw);
  });
}

test('an upgrade whose target is not a URL path is answered 400; the agent keeps serving', async () => {
  await withAgent(async ({ agent, client, socket }) => {
    await up(agent, project('shop', { web: service() }));
    for (const target of ['//', '/\\', '//x/../', '/v1/exec//']) {
      const answer = await rawHttp(
        socket,
        `GET ${target} HTTP/1.1\r\nHost: fizz\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n`,
      );
      assert.match(answer, /^HTTP\/1\.1 (400|404) /, `${target}: ${answer}`);
    }
    // Still alive: an exec and a plain request both work.
    const r = await exec(client, execReq());
    assert.equal(r.code, 0);
    assert.equal((await client.ls(true)).projects.length, 1);
  });
});

test('ls: the projects with their states and config files; -a shows those with nothing running', async () => {
  await withAgent(async ({ agent, client, runtime }) => {
    await up(agent, project('shop', { web: service({ deploy: { replicas: 2 } }), job: service() }), [
      '/src/shop/compose.yaml',
    ]);
    await up(agent, project('blog', { web: service() }));
    const job = [...runtime.containers.values()].find(
      (c) => c.info.labels[LABELS.project] === 'shop' && c.info.labels[LABELS.service] === 'job',
    )!;
    const stop = await agent.stop({ project: 'blog', services: [] }, () => {});
    assert.ok(stop.ok);
    runtime.exit(job.info.id, 0);
    const running = await client.ls(false);
    assert.deepEqual(
      running.projects.map((p) => p.name),
      ['shop'],
    );
    const shop = running.projects[0]!;
    assert.deepEqual(shop.configFiles, ['/src/shop/compose.yaml']);
    assert.equal(shop.states.running, 2);
    const all = await client.ls(true);
    assert.deepEqual(
      all.projects.map((p) => p.name),
      ['blog', 'shop'],
    );
    const down = await agent.down({ project: 'shop' }, () => {});
    assert.ok(down.ok, down.errors.join('; '));
    assert.deepEqual(
      (await client.ls(true)).projects.map((p) => p.name),
      ['blog'],
    );
  });
});

test('ls counts states per project; without -a only projects with something running', () => {
  const c = (project: string, node: string, state: ContainerInfo['state'] = 'running'): ContainerInfo => ({
    id: `${project}-${node}`,
    name: `${project}-web-1`,
    image: 'i',
    labels: { [LABELS.project]: project, [LABELS.service]: 'web', [LABELS.slot]: '0', [LABELS.node]: node },
    state,
    health: 'none',
    createdAt: 0,
    ports: [],
  });
  const listed = listProjects(
    ['known'],
    [c('a', 'n1'), c('a', 'n1', 'exited'), c('b', 'n1', 'exited')],
    () => [],
    true,
  );
  assert.deepEqual(listed, [
    { name: 'a', states: { running: 1, exited: 1 }, configFiles: [] },
    { name: 'b', states: { exited: 1 }, configFiles: [] },
    { name: 'known', states: {}, configFiles: [] },
  ]);
  assert.deepEqual(
    listProjects(['known'], [c('a', 'n1'), c('b', 'n1', 'exited')], () => [], false).map((p) => p.name),
    ['a'],
  );
  assert.equal(execTarget({ project: 'a', service: 'web', index: 1 }, undefined, [c('a', 'n1')]).id, 'a-n1');
});

test('ls and exec see only this agent’s containers, not another agent’s on the same engine', async () => {
  await withAgent(async ({ client, runtime }) => {
    const id = await runtime.create({
      slot: { project: 'foreign', service: 'web', replica: 0 },
      name: 'foreign-web-1',
      spec: service(),
      specHash: 'h',
      networks: [],
      volumeNames: {},
      labels: { [LABELS.node]: 'n2' },
    });
    await runtime.start(id);
    assert.deepEqual((await client.ls(true)).projects, []);
    await assert.rejects(exec(client, execReq({ project: 'foreign' })), /project "foreign" is not up/);
  });
});
