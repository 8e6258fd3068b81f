import assert from 'node:assert/strict';
import { test } from 'node:test';
import { engineEndpoint, isPortInUse, parseEvent, portFromMessage } from '../../src/runtime/engine.js';
import { LineQueue, splitTimestamp } from '../../src/runtime/lines.js';
import { fromInspect, fromListEntry, parseStatus } from '../../src/runtime/observe.js';
import { compareApi, negotiateApi } from '../../src/runtime/version.js';

test('API negotiation: min(client max, engine), unknown engines get the client minimum', () => {
  assert.equal(negotiateApi('1.41', '1.45'), '1.41');
  assert.equal(negotiateApi('1.47', '1.45'), '1.45');
  assert.equal(negotiateApi('1.45', '1.45'), '1.45');
  assert.equal(negotiateApi('1.9', '1.10'), '1.9');
  assert.equal(negotiateApi(undefined), '1.40');
  assert.equal(negotiateApi('garbage'), '1.40');
  assert.equal(compareApi('1.41', '1.5'), 1);
  assert.equal(compareApi('v1.41', '1.41'), 0);
});

test('engine endpoint: explicit socket, then DOCKER_HOST, then the default socket', () => {
  assert.deepEqual(engineEndpoint({ socket: '/a.sock', env: { DOCKER_HOST: 'unix:///b.sock' } }), {
    socketPath: '/a.sock',
  });
  assert.deepEqual(engineEndpoint({ env: { DOCKER_HOST: 'unix:///b.sock' } }), { socketPath: '/b.sock' });
  assert.deepEqual(engineEndpoint({ env: { DOCKER_HOST: 'tcp://127.0.0.1:2376' } }), {
    host: '127.0.0.1',
    port: 2376,
  });
  assert.deepEqual(engineEndpoint({ env: {} }), { socketPath: '/var/run/docker.sock' });
});

test('port conflicts are recognised in both of the engine’s wordings, with the port', () => {
  const a =
    'driver failed programming external connectivity on endpoint x: Bind for 0.0.0.0:8080 failed: port is already allocated';
  const b = 'Error starting userland proxy: listen tcp4 0.0.0.0:9090: bind: address already in use';
  assert.ok(isPortInUse(a) && isPortInUse(b));
  assert.equal(portFromMessage(a), 8080);
  assert.equal(portFromMessage(b), 9090);
  assert.ok(!isPortInUse('No such image: x'));
});

test('list status text gives health and exit code', () => {
  assert.deepEqual(parseStatus('Up 3 seconds (healthy)'), { health: 'healthy' });
  assert.deepEqual(parseStatus('Up 1 second (health: starting)'), { health: 'starting' });
  assert.deepEqual(parseStatus('Up 2 minutes (unhealthy)'), { health: 'unhealthy' });
  assert.deepEqual(parseStatus('Exited (137) 5 seconds ago'), { health: 'none', exitCode: 137 });
  assert.deepEqual(parseStatus(undefined), { health: 'none' });
});

test('fromListEntry and fromInspect map the engine’s shapes', () => {
  const l = fromListEntry({
    Id: 'abc',
    Names: ['/p-web-1'],
    Image: 'img',
    Labels: null,
    State: 'exited',
    Status: 'Exited (2) 1 second ago',
    Command: "sh -c 'echo hi'",
    Created: 1700000000,
    Ports: [
      { PrivatePort: 80, PublicPort: 8080, Type: 'tcp', IP: '0.0.0.0' },
      { PrivatePort: 81, Type: 'tcp' },
    ],
  });
  assert.deepEqual(l, {
    id: 'abc',
    name: 'p-web-1',
    image: 'img',
    labels: {},
    state: 'exited',
    health: 'none',
    exitCode: 2,
    createdAt: 1700000000000,
    ports: [
      { target: 80, protocol: 'tcp', published: 8080, hostIp: '0.0.0.0' },
      { target: 81, protocol: 'tcp' },
    ],
    command: "sh -c 'echo hi'",
    status: 'Exited (2) 1 second ago',
  });
  const i = fromInspect({
    Id: 'abc',
    Name: '/p-web-1',
    Path: 'sh',
    Args: ['-c', 'sleep 1'],
    Created: '2024-01-02T03:04:05.5Z',
    Config: { Image: 'img', Labels: { a: 'b' } },
    State: { Status: 'running', StartedAt: '2024-01-02T03:04:06Z', Health: { Status: 'healthy' } },
    NetworkSettings: { Ports: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }], '53/udp': null } },
  });
  assert.deepEqual(i, {
    id: 'abc',
    name: 'p-web-1',
    image: 'img',
    labels: { a: 'b' },
    state: 'running',
    health: 'healthy',
    createdAt: Date.parse('2024-01-02T03:04:05.5Z'),
    startedAt: Date.parse('2024-01-02T03:04:06Z'),
    ports: [
      { target: 53, protocol: 'udp' },
      { target: 80, protocol: 'tcp', published: 8080, hostIp: '127.0.0.1' },
    ],
    command: 'sh -c sleep 1',
  });
  assert.equal(fromInspect({ Id: 'x', State: { Status: 'weird' } }).state, 'dead');
});

test('event lines: container events parsed, anything else dropped', () => {
  assert.deepEqual(
    parseEvent(
      '{"Type":"container","Action":"start","Actor":{"ID":"c1","Attributes":{"fizz.project":"p","n":1}}}',
    ),
    { containerId: 'c1', action: 'start', labels: { 'fizz.project': 'p' } },
  );
  for (const bad of [
    '',
    'not json',
    'null',
    '[]',
    '{"Type":"network","Action":"create","Actor":{"ID":"n"}}',
    '{"Action":"x"}',
  ])
    assert.equal(parseEvent(bad), undefined, bad);
});

test('timestamps are split off log lines', () => {
  assert.deepEqual(splitTimestamp('2024-01-02T03:04:05.123456789Z hello world'), {
    time: Date.parse('2024-01-02T03:04:05.123Z'),
    text: 'hello world',
  });
  assert.deepEqual(splitTimestamp('no stamp'), { text: 'no stamp' });
});

test('the line queue joins partial chunks per stream and flushes the rest at the end', async () => {
  let closed = 0;
  const q = new LineQueue('c', false, () => closed++);
  q.write('stdout', 'hel');
  q.write('stderr', 'warn\r\nerr-par');
  q.write('stdout', 'lo\nworld');
  q.end();
  const got: string[] = [];
  for await (const l of q) got.push(`${l.stream}:${l.text}`);
  assert.deepEqual(got, ['stderr:warn', 'stdout:hello', 'stdout:world', 'stderr:err-par']);
  assert.equal(closed, 1);
});

test('the line queue rethrows a source failure after the lines it had', async () => {
  const q = new LineQueue('c', false);
  q.write('stdout', 'a\n');
  q.end(new Error('gone'));
  const got: string[] = [];
  await assert.rejects(
    (async () => {
      for await (const l of q) got.push(l.text);
    })(),
    /gone/,
  );
  assert.deepEqual(got, ['a']);
});
