/** The mesh's pure parts: the address plan, the DNS codec, the directory, the packet rules. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { NodeStatus } from '../../../crdt/index.js';
import {
  BLOCKS,
  blockClash,
  chooseBlock,
  freeNetworkIndex,
  inPool,
  interfaceName,
  MeshAddressError,
  networkIndexOf,
  networkSubnet,
  nodeAddress,
} from '../../../src/agent/mesh/addressing.js';
import { Directory } from '../../../src/agent/mesh/directory.js';
import {
  buildAnswer,
  DnsFormatError,
  parseQuery,
  RCODE_OK,
  TYPE_A,
  UDP_ANSWER_MAX,
} from '../../../src/agent/mesh/dns-codec.js';
import { meshRules } from '../../../src/agent/mesh/firewall.js';
import { MESH_MTU, meshMtu } from '../../../src/agent/mesh/wireguard.js';
import type { ProjectSpec } from '../../../src/compose/types.js';

function query(name: string, type = TYPE_A): Buffer {
  const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE(type, 0);
  tail.writeUInt16BE(1, 2);
  return Buffer.concat([
    Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]),
    ...labels,
    Buffer.from([0]),
    tail,
  ]);
}

test('blocks, node addresses and network subnets are disjoint and round-trip', () => {
  assert.equal(nodeAddress(0), '100.64.0.1');
  assert.equal(networkSubnet(1, 2), '100.64.66.0/24');
  assert.equal(networkIndexOf(1, '100.64.66.0/24'), 2);
  assert.equal(networkIndexOf(2, '100.64.66.0/24'), undefined);
  assert.equal(networkIndexOf(1, '172.18.0.0/16'), undefined);
  assert.equal(freeNetworkIndex([1, 2, 4]), 3);
  assert.ok(inPool('100.127.255.254'));
  assert.ok(!inPool('100.128.0.1'));
  assert.throws(() => networkSubnet(0, 64), { name: 'MeshAddressError' });
  assert.throws(() => nodeAddress(BLOCKS), MeshAddressError);
  assert.ok(interfaceName('a-very-long-node-id-of-any-size').length <= 15);
});

test('a node takes a free block; of two on the same block, the later id moves', () => {
  fc.assert(
    fc.property(
      fc.string(),
      fc.uniqueArray(fc.integer({ min: 0, max: BLOCKS - 1 }), { maxLength: 200 }),
      (id, taken) => {
        assert.ok(!taken.includes(chooseBlock(id, taken)));
      },
    ),
  );
  assert.equal(blockClash('b', 5, new Map([['a', 5]])), true);
  assert.equal(blockClash('a', 5, new Map([['b', 5]])), false);
});

test('DNS: a query parses; the answer carries the question and the A records', () => {
  const q = parseQuery(query('db.shop'));
  assert.deepEqual(
    { id: q.id, name: q.name, type: q.type, rd: q.rd },
    { id: 0x1234, name: 'db.shop', type: 1, rd: true },
  );
  const a = buildAnswer(query('db.shop'), q, ['100.64.1.2', '100.64.2.3'], RCODE_OK);
  assert.equal(a.readUInt16BE(0), 0x1234);
  assert.equal(a.readUInt16BE(2) & 0x800f, 0x8000);
  assert.equal(a.readUInt16BE(6), 2);
  assert.deepEqual([...a.subarray(a.length - 4)], [100, 64, 2, 3]);
});

test('DNS: an answer longer than its limit keeps the records that fit and says TC; within it, all and no TC', () => {
  const q = parseQuery(query('web.shop'));
  const many = Array.from({ length: 100 }, (_, i) => `100.64.${i >> 8}.${i & 255}`);
  const cut = buildAnswer(query('web.shop'), q, many, RCODE_OK, 0, UDP_ANSWER_MAX);
  assert.ok(cut.length <= UDP_ANSWER_MAX, `${cut.length} bytes`);
  assert.equal(cut.readUInt16BE(2) & 0x0200, 0x0200, 'TC set');
  const kept = cut.readUInt16BE(6);
  assert.equal(kept, Math.floor((UDP_ANSWER_MAX - q.end) / 16));
  assert.equal(cut.length, q.end + kept * 16);
  const whole = buildAnswer(query('web.shop'), q, many, RCODE_OK);
  assert.equal(whole.readUInt16BE(2) & 0x0200, 0, 'no TC');
  assert.equal(whole.readUInt16BE(6), 100);
  const few = buildAnswer(query('web.shop'), q, many.slice(0, kept), RCODE_OK, 0, UDP_ANSWER_MAX);
  assert.equal(few.readUInt16BE(2) & 0x0200, 0, 'exactly what fits: no TC');
});

test('DNS: every malformed query is a DnsFormatError, never another exception', () => {
  assert.throws(() => parseQuery(Buffer.from([1, 2, 3])), { name: 'DnsFormatError' });
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
      try {
        parseQuery(Buffer.from(bytes));
      } catch (err) {
        assert.ok(err instanceof DnsFormatError, String(err));
      }
    }),
  );
});

const project: ProjectSpec = {
  name: 'shop',
  services: {
    web: {
      networks: { front: null, back: null },
      ports: [{ mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' }],
    },
    db: { networks: { back: { aliases: ['database'] } }, ports: [] },
  } as unknown as ProjectSpec['services'],
  networks: { front: { name: 'shop_front' }, back: { name: 'shop_back' } },
  volumes: {},
  secrets: {},
  configs: {},
};

function status(containers: Array<[string, number, string, string, Record<string, string>]>): NodeStatus {
  return {
    images: [],
    updatedAt: 0,
    containers: containers.map(([service, replica, state, health, addresses]) => ({
      id: `${service}${replica}`,
      project: 'shop',
      service,
      replica,
      state,
      health,
      addresses,
    })),
  };
}

test('directory: names resolve on shared networks only, to ready replicas on live nodes', () => {
  const statuses = new Map<string, NodeStatus>([
    ['n1', status([['web', 1, 'running', 'none', { shop_front: '100.64.1.2', shop_back: '100.64.2.2' }]])],
    ['n2', status([['db', 1, 'running', 'healthy', { shop_back: '100.65.2.2' }]])],
    ['n3', status([['db', 2, 'running', 'none', { shop_back: '100.66.2.2' }]])],
    ['n4', status([['db', 3, 'running', 'unhealthy', { shop_back: '100.67.2.2' }]])],
  ]);
  const d = new Directory({ self: 'n1', projects: [project], statuses, live: new Set(['n1', 'n2', 'n4']) });
  assert.deepEqual(d.resolve('shop_back', 'db'), ['100.65.2.2']);
  assert.deepEqual(d.resolve('shop_back', 'DATABASE'), ['100.65.2.2']);
  assert.deepEqual(d.resolve('shop_back', 'db.shop'), ['100.65.2.2']);
  assert.equal(d.resolve('shop_front', 'db'), undefined);
  assert.equal(d.resolve('shop_back', 'example.com'), undefined);
  assert.equal(d.serviceEndpoints('shop', 'db').length, 3);
  const [rule] = d.ingress();
  assert.deepEqual(rule, {
    protocol: 'tcp',
    published: 8080,
    target: 80,
    project: 'shop',
    service: 'web',
    backends: [{ node: 'n1', ip: '100.64.1.2' }],
    local: true,
  });
});

test('directory: a draining replica, and one whose address is outside the pool, take no new connections', () => {
  const statuses = new Map<string, NodeStatus>([
    ['n1', status([['web', 1, 'running', 'none', { shop_front: '100.64.1.2' }]])],
    ['n2', status([['web', 2, 'running', 'none', { shop_front: '172.17.0.2' }]])],
    ['n3', status([['web', 3, 'running', 'none', { shop_front: '100.66.1.2' }]])],
  ]);
  statuses.get('n1')!.containers[0]!.draining = true;
  const d = new Directory({ self: 'n1', projects: [project], statuses, live: new Set(['n1', 'n2', 'n3']) });
  const [rule] = d.ingress();
  assert.equal(rule?.local, false, 'the draining local replica leaves ingress to the others');
  assert.deepEqual(rule?.backends, [{ node: 'n3', ip: '100.66.1.2' }]);
  assert.deepEqual(d.resolve('shop_front', 'web')?.includes('100.64.1.2'), false);
});

test('rules: isolation per network, published ports open to the tunnel, ingress spread evenly', () => {
  const text = meshRules({
    iface: 'fzabc',
    networks: [{ name: 'shop_back', bridge: 'br-1', remoteSubnets: ['100.65.2.0/24'] }],
    published: [{ ip: '100.64.1.2', protocol: 'tcp', target: 80 }],
    ingress: [
      {
        protocol: 'udp',
        published: 53,
        target: 5353,
        project: 'shop',
        service: 'dns',
        local: false,
        backends: [
          { node: 'n2', ip: '100.65.1.2' },
          { node: 'n3', ip: '100.66.1.2' },
        ],
      },
    ],
  });
  assert.match(text, /-A FIZZ-MESH -i fzabc -o br-1 -s 100\.65\.2\.0\/24 -j ACCEPT/);
  assert.match(text, /-A FIZZ-MESH -i fzabc -d 100\.64\.1\.2\/32 -p tcp --dport 80 -j ACCEPT/);
  assert.match(text, /-A FIZZ-MESH -i fzabc -j DROP\nCOMMIT/);
  assert.match(
    text,
    /--dport 53 -m statistic --mode random --probability 0\.50000 -j DNAT --to-destination 100\.65\.1\.2:5353/,
  );
  assert.match(text, /--dport 53 -j DNAT --to-destination 100\.66\.1\.2:5353/);
});

test("the tunnel's MTU is the cluster address's link MTU less 80, within 1280-9000; 1420 when not found", async () => {
  const ip =
    (links: Record<string, number>) =>
    async (argv: string[]): Promise<string> => {
      if (argv.includes('addr'))
        return [
          '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever',
          '2: eth0    inet 10.0.0.5/24 brd 10.0.0.255 scope global eth0\\       valid_lft forever',
          '3: eth1    inet 10.1.0.5/24 scope global eth1',
        ].join('\n');
      const dev = argv.at(-1)!;
      if (links[dev] === undefined) throw new Error(`no ${dev}`);
      return `2: ${dev}@if9: <BROADCAST,UP> mtu ${links[dev]} qdisc noqueue state UP`;
    };
  assert.equal(await meshMtu(ip({ eth0: 9000 }), '10.0.0.5'), 8920);
  assert.equal(await meshMtu(ip({ eth0: 1500, eth1: 65536 }), '10.1.0.5'), 9000);
  assert.equal(await meshMtu(ip({ eth0: 1300 }), '10.0.0.5'), 1280);
  assert.equal(await meshMtu(ip({ eth0: 9000 }), '10.0.0.50'), MESH_MTU, 'no interface holds it');
  assert.equal(await meshMtu(ip({}), '10.0.0.5'), MESH_MTU, 'ip link failed');
  assert.equal(MESH_MTU, 1420);
});
