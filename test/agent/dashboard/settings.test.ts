/**
 * The dashboard's settings and its snapshot, as tables: the addresses it takes (and the
 * errors for those it does not), which of flag, environment and saved setting wins, the
 * token kept in FIZZ_HOME, and how `ps` rows, desired counts and unplaced slots become the page's data.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  DashboardSettingsFile,
  isLoopback,
  parseDashboardAddress,
  startupAddress,
} from '../../../src/agent/dashboard/settings.js';
import { buildSnapshot } from '../../../src/agent/dashboard/snapshot.js';
import type { PsEntry } from '../../../src/api/protocol.js';

const good: Array<[string, string, number]> = [
  ['127.0.0.1:7180', '127.0.0.1', 7180],
  ['0.0.0.0:80', '0.0.0.0', 80],
  ['10.0.0.5', '10.0.0.5', 7180],
  ['7181', '127.0.0.1', 7181],
  ['localhost:9000', '127.0.0.1', 9000],
  ['[::1]:7180', '::1', 7180],
  ['[::]', '::', 7180],
  ['::1', '::1', 7180],
  ['127.0.0.1:0', '127.0.0.1', 0],
];
for (const [text, host, port] of good)
  test(`parseDashboardAddress("${text}")`, () =>
    assert.deepEqual(parseDashboardAddress(text), { host, port }));

const bad: Array<[string, RegExp]> = [
  ['nonsense', /"nonsense" is not an IP address/],
  ['example.com:80', /"example.com" is not an IP address/],
  ['127.0.0.1:70000', /"70000" is not a port/],
  ['127.0.0.1:x', /"x" is not a port/],
  ['127.0.0.1:', /"" is not a port/],
  ['', /is not an IP address/],
];
for (const [text, message] of bad)
  test(`parseDashboardAddress("${text}") is a DashboardAddressError`, () =>
    assert.throws(
      () => parseDashboardAddress(text),
      (err: Error) =>
        err.name === 'DashboardAddressError' &&
        message.test(err.message) &&
        /expected HOST:PORT/.test(err.message),
    ));

test('isLoopback', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) assert.equal(isLoopback(h), true, h);
  for (const h of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'localhost.evil'])
    assert.equal(isLoopback(h), false, h);
});

test('startupAddress: the flag, else the environment, else the saved setting; off wins where it is said', () => {
  const saved = { address: '0.0.0.0:7180', token: 't' };
  assert.equal(startupAddress(undefined, undefined, saved), '0.0.0.0:7180');
  assert.equal(startupAddress(undefined, undefined, { ...saved, address: null }), undefined);
  assert.equal(startupAddress(undefined, '127.0.0.1:1', saved), '127.0.0.1:1');
  assert.equal(startupAddress('127.0.0.1:2', '127.0.0.1:1', saved), '127.0.0.1:2');
  assert.equal(startupAddress('off', '127.0.0.1:1', saved), undefined);
  assert.equal(startupAddress(undefined, 'off', saved), undefined);
});

test('the settings file: the token is kept across reads, written 0600, and changes only when rotated', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'fizz-dash-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const corrupt: string[] = [];
  const a = new DashboardSettingsFile(home, (r) => corrupt.push(r));
  const token = a.get().token;
  assert.ok(token.length >= 40);
  await a.keepToken();
  assert.equal(statSync(a.path).mode & 0o777, 0o600);
  assert.equal(new DashboardSettingsFile(home, () => {}).get().token, token);
  await a.save('0.0.0.0:7180');
  const b = new DashboardSettingsFile(home, () => {});
  assert.deepEqual(b.get(), { address: '0.0.0.0:7180', token });
  await b.save('0.0.0.0:7180', true);
  assert.notEqual(JSON.parse(readFileSync(a.path, 'utf8')).token, token);
  assert.deepEqual(corrupt, []);
});

function row(service: string, replica: number, node: string | undefined, state = 'running'): PsEntry {
  const e: PsEntry = {
    project: 'shop',
    service,
    replica,
    name: `shop-${service}-${replica + 1}`,
    id: `${service}${replica}`,
    image: 'fizz/busybox:latest',
    state: state as PsEntry['state'],
    health: 'healthy',
    ports: [],
    createdAt: 0,
  };
  if (node !== undefined) e.node = node;
  return e;
}

test('buildSnapshot: replicas grouped by service, load per node, pending slots with their reason', () => {
  const node = (name: string, state: 'alive' | 'dead', self = false) => ({
    id: `id-${name}`,
    name,
    address: `10.0.0.1:7171`,
    state,
    labels: {},
    capacity: 1,
    replicas: 99,
    version: '0.1.0',
    self,
  });
  const s = buildSnapshot({
    nodes: {
      clustered: true,
      majority: true,
      nodes: [node('h1', 'alive', true), node('h2', 'alive'), node('h3', 'dead')],
    },
    containers: [row('web', 1, 'h2'), row('web', 0, 'h1'), row('web', 2, 'h1'), row('db', 0, 'h2', 'exited')],
    desired: [
      { project: 'shop', service: 'web', replicas: 4, stopped: false },
      { project: 'shop', service: 'db', replicas: 1, stopped: true },
    ],
    unplaced: [{ slot: 'shop/web/3', reason: 'no node has port 80 free' }],
    errors: [],
  });
  assert.equal(s.self, 'h1');
  // Load counts the running replicas seen, not what a status entry last said.
  assert.deepEqual(
    s.nodes.map((n) => [n.name, n.replicas]),
    [
      ['h1', 2],
      ['h2', 1],
      ['h3', 0],
    ],
  );
  assert.deepEqual(
    s.services.map((x) => [x.service, x.desired, x.stopped]),
    [
      ['db', 0, true],
      ['web', 4, false],
    ],
  );
  const web = s.services.find((x) => x.service === 'web')!;
  assert.deepEqual(
    web.replicas.map((r) => [r.replica, r.node]),
    [
      [0, 'h1'],
      [1, 'h2'],
      [2, 'h1'],
    ],
  );
  assert.deepEqual(web.pending, [{ replica: 3, reason: 'no node has port 80 free' }]);
});

test('buildSnapshot: outside a cluster the rows carry no node name: they are this node’s', () => {
  const s = buildSnapshot({
    nodes: {
      clustered: false,
      majority: true,
      nodes: [
        {
          id: 'n',
          name: 'box',
          address: '',
          state: 'alive',
          labels: {},
          capacity: 1,
          replicas: 0,
          version: '',
          self: true,
        },
      ],
    },
    containers: [row('web', 0, undefined)],
    desired: [{ project: 'shop', service: 'web', replicas: 1, stopped: false }],
    unplaced: [],
    errors: [],
  });
  assert.equal(s.services[0]!.replicas[0]!.node, 'box');
  assert.equal(s.nodes[0]!.replicas, 1);
});
