/**
 * Compose's per-container names across hosts (container_name, links, network_mode:
 * service:x, container_name with scale) and what `fizz ps` / `fizz inspect` show of the
 * mesh: pure parts, with the directory, placement and the printers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NodeStatus } from '../../../crdt/index.js';
import { inspectService } from '../../../src/agent/inspect.js';
import { Directory } from '../../../src/agent/mesh/directory.js';
import { MeshView } from '../../../src/agent/mesh/view.js';
import { psResponse } from '../../../src/agent/ps.js';
import { containerNameScaleError, scaleError } from '../../../src/agent/scale.js';
import type { InspectEndpoint } from '../../../src/api/protocol.js';
import { renderInspect } from '../../../src/cli/commands/inspect.js';
import { formatPorts, psJson } from '../../../src/cli/commands/ps.js';
import type { ProjectSpec } from '../../../src/compose/types.js';
import { place, placementSlot } from '../../../src/placement/index.js';
import type { PlacementMember } from '../../../src/placement/types.js';

const project = {
  name: 'shop',
  services: {
    web: { networks: { back: null }, links: ['db:database'], ports: [] },
    other: { networks: { back: null }, ports: [] },
    db: { networks: { back: null }, container_name: 'the-db', ports: [] },
    side: { network_mode: 'service:db', ports: [] },
  } as unknown as ProjectSpec['services'],
  networks: { back: { name: 'shop_back' } },
  volumes: {},
  secrets: {},
  configs: {},
} as ProjectSpec;

function status(service: string, ip: string): NodeStatus {
  return {
    images: [],
    updatedAt: 0,
    containers: [
      {
        id: service,
        project: 'shop',
        service,
        replica: 0,
        state: 'running',
        health: 'none',
        addresses: { shop_back: ip },
      },
    ],
  };
}

test('container_name resolves across hosts; a link alias resolves only for the service that declares it', () => {
  const statuses = new Map([
    ['n1', status('web', '100.64.1.2')],
    ['n2', status('db', '100.65.1.2')],
    ['n3', status('other', '100.66.1.2')],
  ]);
  const d = new Directory({ self: 'n1', projects: [project], statuses, live: new Set(['n1', 'n2', 'n3']) });
  assert.deepEqual(d.resolve('shop_back', 'the-db', '100.66.1.2'), ['100.65.1.2']);
  assert.deepEqual(d.resolve('shop_back', 'database', '100.64.1.2'), ['100.65.1.2'], 'web links db:database');
  assert.equal(d.resolve('shop_back', 'database', '100.66.1.2'), undefined, 'other has no such link');
  assert.equal(d.resolve('shop_back', 'database'), undefined, 'an asker that is no replica');
});

test('network_mode: service:x places every replica on the node of x’s first replica, or says why not', () => {
  const members: PlacementMember[] = ['a', 'b', 'c'].map((id) => ({
    id,
    name: `h-${id}`,
    status: 'alive',
    labels: {},
  }));
  const spec = (s: object) => ({ ports: [], ...s }) as unknown as ProjectSpec['services'][string];
  const slots = [
    placementSlot({ project: 'p', service: 'db', replica: 0 }, spec({})),
    placementSlot({ project: 'p', service: 'db', replica: 1 }, spec({})),
    ...[0, 1, 2].map((r) =>
      placementSlot({ project: 'p', service: 'side', replica: r }, spec({ network_mode: 'service:db' })),
    ),
    placementSlot({ project: 'p', service: 'deep', replica: 0 }, spec({ network_mode: 'service:side' })),
  ];
  const r = place(slots, members);
  const dbNode = r.assignment.get('p/db/0');
  assert.ok(dbNode);
  for (const k of ['p/side/0', 'p/side/1', 'p/side/2', 'p/deep/0'])
    assert.equal(r.assignment.get(k), dbNode, k);
  // Its own constraints forbid that node: unplaced, with the reason.
  const other = members.find((m) => m.id !== dbNode)!.name;
  const pinned = place(
    [
      ...slots.slice(0, 2),
      placementSlot(
        { project: 'p', service: 'side', replica: 0 },
        spec({
          network_mode: 'service:db',
          deploy: { placement: { constraints: [`node.hostname==${other}`] } },
        }),
      ),
    ],
    members,
  );
  assert.equal(pinned.assignment.get('p/side/0'), undefined);
  assert.match(
    pinned.unplaced.find((u) => u.slot === 'p/side/0')?.reason ?? '',
    /service:db .*constraints exclude/,
  );
  // Its leader has no node: unplaced too.
  const orphan = place(slots.slice(2, 3), members);
  assert.match(orphan.unplaced[0]?.reason ?? '', /no node/);
});

test('scaling a service with container_name past one replica is refused (fizz scale, up --scale)', () => {
  assert.match(scaleError('shop', project, { db: 2 }) ?? '', /container_name "the-db".*2 replicas/);
  assert.equal(scaleError('shop', project, { db: 1 }), undefined);
  assert.match(containerNameScaleError(project, { web: 3, db: 3 }) ?? '', /^service "db" has container_name/);
  assert.equal(containerNameScaleError(project, { web: 3 }), undefined);
});

test('ps marks a port ingress answers on every node; inspect lists endpoints and where ports answer', () => {
  const nodes = [
    { node: 'h1', address: '10.0.0.1' },
    { node: 'h2', address: '10.0.0.2' },
  ];
  const entry = {
    project: 'shop',
    service: 'web',
    replica: 0,
    name: 'shop-web-1',
    id: 'x',
    image: 'i',
    state: 'running' as const,
    health: 'none' as const,
    ports: [
      { target: 80, published: 8080, protocol: 'tcp', hostIp: '0.0.0.0' },
      { target: 80, published: 8080, protocol: 'tcp', hostIp: '::' },
      { target: 9, protocol: 'udp' },
    ],
    createdAt: 0,
    node: 'h2',
  };
  const { containers } = psResponse({
    local: [],
    remote: [entry],
    node: 'h1',
    unplaced: [],
    project: 'shop',
    all: false,
    answersOn: (p, s, port, proto) =>
      p === 'shop' && s === 'web' && port === 8080 && proto === 'tcp' ? nodes : undefined,
  });
  assert.equal(formatPorts(containers[0]!), '*:8080->80/tcp, 9/udp');
  const pub = (psJson(containers[0]!, 0).Publishers as Array<Record<string, unknown>>)[0]!;
  assert.deepEqual(pub.Nodes, [
    { Node: 'h1', Address: '10.0.0.1' },
    { Node: 'h2', Address: '10.0.0.2' },
  ]);
  const spec = {
    ports: [
      { mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' },
      { mode: 'host', target: 81, published: '8081', protocol: 'tcp' },
    ],
  } as unknown as ProjectSpec['services'][string];
  const endpoints: InspectEndpoint[] = [
    {
      node: 'h2',
      replica: 0,
      meshAddress: '100.65.0.1',
      addresses: { shop_back: '100.65.1.2' },
      state: 'running',
      health: 'healthy',
      ready: true,
    },
    {
      node: 'h3',
      replica: 1,
      meshAddress: '100.66.0.1',
      addresses: {},
      state: 'exited',
      health: 'none',
      ready: false,
    },
  ];
  const r = inspectService({
    project: 'shop',
    service: 'web',
    spec,
    endpoints,
    net: {
      answersOn: (_p, _s, port) => (port === 8080 ? nodes : undefined),
      hostAddress: (n) => (n === 'h2' ? '10.0.0.2' : undefined),
    },
  });
  assert.deepEqual(r.ports, [
    { target: 80, published: 8080, protocol: 'tcp', everywhere: true, answersOn: nodes },
    {
      target: 81,
      published: 8081,
      protocol: 'tcp',
      everywhere: false,
      answersOn: [{ node: 'h2', address: '10.0.0.2' }],
    },
  ]);
  const text = renderInspect(r);
  assert.match(text, /web-1 +h2 +100\.65\.0\.1 +100\.65\.1\.2 \(shop_back\) +running +healthy +yes/);
  assert.match(text, /8080\/tcp -> 80 on every node: h1 10\.0\.0\.1, h2 10\.0\.0\.2/);
  assert.match(text, /8081\/tcp -> 81 where a replica runs: h2 10\.0\.0\.2/);
});

test('the mesh view: a published port answers on the live nodes by name and host; endpoints carry the mesh address', () => {
  const web = {
    ...project,
    services: {
      web: {
        networks: { back: null },
        ports: [{ mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' }],
      },
    },
  } as unknown as ProjectSpec;
  const statuses = new Map([
    ['n2', { ...status('web', '100.65.1.2'), mesh: { key: 'k', port: 7172, block: 1 } }],
  ]);
  const live = new Set(['n1', 'n2']);
  const d = new Directory({ self: 'n1', projects: [web], statuses, live });
  const members = [
    { id: 'n1', name: 'h1', address: '10.0.0.1:7171', state: 'alive', self: true },
    { id: 'n2', name: 'h2', address: '10.0.0.2:7171', state: 'suspect', self: false },
    { id: 'n3', name: 'h3', address: '10.0.0.3:7171', state: 'dead', self: false },
  ];
  const v = new MeshView(d, members, statuses, d.ingress());
  assert.deepEqual(v.answersOn('shop', 'web', 8080, 'tcp'), [
    { node: 'h1', address: '10.0.0.1' },
    { node: 'h2', address: '10.0.0.2' },
  ]);
  assert.equal(v.answersOn('shop', 'web', 8080, 'udp'), undefined);
  assert.equal(v.answersOn('shop', 'web', 8081, 'tcp'), undefined);
  assert.deepEqual(v.endpoints('shop', 'web'), [
    {
      node: 'h2',
      replica: 0,
      meshAddress: '100.64.64.1',
      addresses: { shop_back: '100.65.1.2' },
      state: 'running',
      health: 'none',
      ready: true,
    },
  ]);
  assert.equal(v.hostAddress('h3'), '10.0.0.3');
});
