/** The image routes of the local API: `fizz pull` and `fizz build` over a real socket, and their hostile input. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AgentClient } from '../../src/api/client.js';
import { decodeOpEvent, decodeUpRequest } from '../../src/api/decode.js';
import { decodeBuildRequest, decodePullRequest } from '../../src/api/decode-images.js';
import type { BuildRequest, OpEvent, PullRequest } from '../../src/api/protocol.js';
import { type ApiHandlers, closeApi, listenApi } from '../../src/api/server.js';
import { project, service } from './fixtures.js';

const spec = project({ web: service() });

test('pull and build stream layer, image and output events, then done', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fizz-api-'));
  const socket = join(dir, 'agent.sock');
  const seen: Array<PullRequest | BuildRequest> = [];
  const handlers: ApiHandlers = {
    info: async () => ({ version: '0', apiVersion: 1, nodeId: 'n', pid: 1, home: '/', projects: [] }),
    up: async () => ({ type: 'done', ok: true, errors: [] }),
    down: async () => ({ type: 'done', ok: true, errors: [] }),
    start: async () => ({ type: 'done', ok: true, errors: [] }),
    stop: async () => ({ type: 'done', ok: true, errors: [] }),
    restart: async () => ({ type: 'done', ok: true, errors: [] }),
    ps: async () => ({ containers: [] }),
    logs: async () => {},
    pull: async (req, emit) => {
      seen.push(req);
      emit({ type: 'progress', resource: 'image', name: 'r/a:1', service: 'web', status: 'pulling' });
      emit({
        type: 'progress',
        resource: 'layer',
        name: 'abc',
        parent: 'r/a:1',
        status: 'pulling',
        detail: 'Downloading',
        current: 5,
        total: 10,
      });
      return { type: 'done', ok: true, errors: [] };
    },
    build: async (req, emit) => {
      seen.push(req);
      emit({ type: 'output', service: 'web', text: 'Step 1/1 : FROM scratch' });
      return { type: 'done', ok: false, errors: ['service "web": building failed'] };
    },
  };
  const server = await listenApi(socket, handlers);
  try {
    const client = new AgentClient(socket);
    const collect = async (it: AsyncIterable<OpEvent>) => {
      const out: OpEvent[] = [];
      for await (const e of it) out.push(e);
      return out;
    };
    const pulled = await collect(
      client.pull({ spec, services: ['web'], ignorePullFailures: true, dockerConfig: '/d' }),
    );
    assert.deepEqual(pulled.at(1), {
      type: 'progress',
      resource: 'layer',
      name: 'abc',
      parent: 'r/a:1',
      status: 'pulling',
      detail: 'Downloading',
      current: 5,
      total: 10,
    });
    assert.deepEqual(pulled.at(-1), { type: 'done', ok: true, errors: [] });
    const built = await collect(client.build({ spec, noCache: true, pull: true, buildArgs: { A: '1' } }));
    assert.deepEqual(built, [
      { type: 'output', service: 'web', text: 'Step 1/1 : FROM scratch' },
      { type: 'done', ok: false, errors: ['service "web": building failed'] },
    ]);
    assert.deepEqual(
      seen.map((r) => Object.keys(r).sort()),
      [
        ['dockerConfig', 'ignorePullFailures', 'services', 'spec'],
        ['buildArgs', 'noCache', 'pull', 'spec'],
      ],
    );
  } finally {
    await closeApi(server, socket);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('hostile image requests and events are refused with ApiDecodeError', () => {
  const bad: Array<[() => unknown, RegExp]> = [
    [() => decodePullRequest({ spec: { ...spec, name: 'Bad Name' } }), /not a project name/],
    [() => decodePullRequest({ spec, services: [1] }), /not a list of strings/],
    [() => decodePullRequest({ spec, ignorePullFailures: 'yes' }), /not a boolean/],
    [() => decodeBuildRequest({ spec, buildArgs: { A: 1 } }), /buildArgs\.A: not a string/],
    [() => decodeBuildRequest({ spec, noCache: 1 }), /not a boolean/],
    [() => decodeBuildRequest({ spec, dockerConfig: 5 }), /dockerConfig: not a string/],
    [() => decodeUpRequest({ spec, pull: 'sometimes' }), /up\.pull: not always, missing or never/],
    [() => decodeUpRequest({ spec, build: 'yes' }), /up\.build: not a boolean/],
    [() => decodeOpEvent({ type: 'output', service: 'web' }), /event\.text: not a string/],
    [
      () => decodeOpEvent({ type: 'progress', resource: 'layer', name: 'l', status: 'pulling', current: -1 }),
      /event\.current: not a count/,
    ],
    [
      () => decodeOpEvent({ type: 'progress', resource: 'blob', name: 'l', status: 'pulling' }),
      /unknown 'blob'/,
    ],
  ];
  for (const [fn, msg] of bad)
    assert.throws(fn, (err: Error) => {
      assert.equal(err.name, 'ApiDecodeError');
      assert.match(err.message, msg);
      return true;
    });
  assert.deepEqual(
    decodeUpRequest({ spec, pull: 'always', build: true, noBuild: false, dockerConfig: '/d' }),
    {
      spec,
      pull: 'always',
      build: true,
      noBuild: false,
      dockerConfig: '/d',
    },
  );
});
