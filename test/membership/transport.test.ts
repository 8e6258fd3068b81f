/**
 * The SWIM transport on real sockets in one process: UDP packets and `/fizz/swim/1`
 * streams over libp2p at one port; hostile frames, stalls and oversize packets dropped and
 * counted; timeouts; and a node of another cluster refused by both SWIM and libp2p.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openStore, type Store } from '../../crdt/index.js';
import { startClusterNode } from '../../src/agent/membership/cluster-node.js';
import {
  bindUdp,
  Libp2pSwimTransport,
  SWIM_PROTOCOL,
} from '../../src/agent/membership/libp2p-swim-transport.js';
import { createClusterNet } from '../../src/net/cluster-net.js';
import type { ClusterNet } from '../../src/net/cluster-net-api.js';
import { freePort, until } from './cluster-driver.js';

const KEY = 'transport-test-cluster-key-012345';
const silent = { info() {}, warn() {}, debug() {} };

interface Host {
  net: ClusterNet;
  store: Store;
  transport: Libp2pSwimTransport;
  packets: Array<{ from: string; data: Uint8Array }>;
}

async function host(dir: string, opts: { maxPacketBytes?: number } = {}): Promise<Host> {
  const port = await freePort();
  const store = await openStore(join(dir, 'state'), { nodeId: dir, clock: Date.now, fsync: false });
  const udp = await bindUdp('127.0.0.1', port);
  const net = await createClusterNet({
    dataDir: dir,
    clusterKey: KEY,
    listen: { host: '127.0.0.1', port },
    state: store.state,
    logger: silent,
  });
  const transport = await Libp2pSwimTransport.create({
    udp,
    host: '127.0.0.1',
    streams: net,
    inboundTimeoutMs: 300,
    ...opts,
  });
  await net.start();
  const packets: Host['packets'] = [];
  transport.listen({
    packet: (from, data) => packets.push({ from, data }),
    // Echo reversed; a request starting with 0 gets no reply.
    stream: (_from, data) => (data[0] === 0 ? null : Uint8Array.from(data).reverse()),
  });
  return { net, store, transport, packets };
}

function request(h: Host, to: string, data: Uint8Array, timeoutMs = 2_000): Promise<Uint8Array> {
  return new Promise((resolve, reject) =>
    h.transport.request(to, data, timeoutMs, (err, reply) => (err ? reject(err) : resolve(reply!))),
  );
}

async function close(hosts: Host[]): Promise<void> {
  for (const h of hosts) {
    await h.transport.close();
    await h.net.stop();
    await h.store.close();
  }
}

test('packets over UDP and request/reply over libp2p, at one port', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'fizz-swimtp-'));
  const [a, b] = [await host(join(root, 'a')), await host(join(root, 'b'))];
  t.after(async () => {
    await close([a, b]);
    rmSync(root, { recursive: true, force: true });
  });
  const bPort = Number(b.transport.address.split(':')[1]);
  assert.ok(
    b.net.addresses.some((m) => m.includes(`/tcp/${bPort}/`)),
    'libp2p listens on the UDP port',
  );

  a.transport.sendPacket(b.transport.address, new Uint8Array([9, 8, 7]));
  await until('the packet', async () => b.packets.length === 1);
  assert.equal(b.packets[0]!.from, a.transport.address);

  // Without a known peer id (a seed), then with it (a member): the connection is reused.
  assert.deepEqual(
    await request(a, b.transport.address, new Uint8Array([1, 2, 3])),
    new Uint8Array([3, 2, 1]),
  );
  a.transport.setPeerIdResolver((addr) => (addr === b.transport.address ? b.net.peerId : undefined));
  assert.deepEqual(await request(a, b.transport.address, new Uint8Array([4, 5])), new Uint8Array([5, 4]));
  assert.deepEqual(a.net.connectedPeers(), [b.net.peerId]);
  assert.equal(b.transport.stats.streamsReceived, 2);

  await assert.rejects(request(a, b.transport.address, new Uint8Array([0, 1])), { name: 'SwimStreamError' });
});

test('hostile streams and packets are dropped and counted; the node keeps answering', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'fizz-swimtp-'));
  const [a, b] = [await host(join(root, 'a')), await host(join(root, 'b'), { maxPacketBytes: 1000 })];
  t.after(async () => {
    await close([a, b]);
    rmSync(root, { recursive: true, force: true });
  });
  const target = b.net.addresses[0]!;
  const dropped = b.transport.stats.dropped;

  const oversize = await a.net.openStream(target, SWIM_PROTOCOL);
  oversize.send(new Uint8Array([0xff, 0xff, 0xff, 0xf0]));
  await until('an oversize frame to be counted', async () => dropped.oversizeFrame === 1);

  const truncated = await a.net.openStream(target, SWIM_PROTOCOL);
  truncated.send(new Uint8Array([0, 0, 0, 100, 1, 2, 3]));
  await truncated.close();
  await until('a truncated frame to be counted', async () => dropped.truncatedFrame === 1);

  const silentStream = await a.net.openStream(target, SWIM_PROTOCOL);
  await until('a silent stream to time out', async () => dropped.timeout === 1);
  silentStream.abort(new Error('done'));

  const udp = createSocket('udp4');
  const [host_, port] = b.transport.address.split(':');
  await new Promise<void>((r) => udp.send(new Uint8Array(1200), Number(port), host_, () => r()));
  await new Promise<void>((r) => udp.send(new Uint8Array(0), Number(port), host_, () => r()));
  await until(
    'oversize and empty packets to be counted',
    async () => dropped.oversizePacket === 1 && dropped.emptyPacket === 1,
  );
  udp.close();
  assert.equal(b.packets.length, 0, 'none reached SWIM');

  assert.deepEqual(await request(a, b.transport.address, new Uint8Array([1, 2])), new Uint8Array([2, 1]));
});

test('a stream to a peer that never answers times out; to a closed port it fails fast', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'fizz-swimtp-'));
  const a = await host(join(root, 'a'));
  const mute = createServer(() => {});
  await new Promise<void>((r) => mute.listen(0, '127.0.0.1', () => r()));
  const closedPort = await freePort();
  t.after(async () => {
    mute.close();
    await close([a]);
    rmSync(root, { recursive: true, force: true });
  });
  const addr = mute.address() as { port: number };
  await assert.rejects(request(a, `127.0.0.1:${addr.port}`, new Uint8Array([1]), 400), (err: Error) => {
    assert.equal(err.name, 'SwimStreamError');
    assert.match(err.message, /timed out after 400 ms/);
    return true;
  });
  assert.equal(a.transport.stats.dropped.timeout, 1);
  await assert.rejects(request(a, `127.0.0.1:${closedPort}`, new Uint8Array([1]), 2_000), {
    name: 'SwimStreamError',
  });
  await assert.rejects(request(a, 'not-an-address', new Uint8Array([1])), { name: 'SwimStreamError' });
});

test('another cluster key: its SWIM packets are refused, its streams fail the handshake', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'fizz-swimtp-'));
  const a = await startClusterNode({
    dataDir: join(root, 'a'),
    clusterKey: KEY,
    host: '127.0.0.1',
    port: 0,
    nodeName: 'a',
    logger: silent,
    fsync: false,
  });
  const rogue = await startClusterNode({
    dataDir: join(root, 'rogue'),
    clusterKey: 'some-other-cluster-key-0000000',
    host: '127.0.0.1',
    port: 0,
    nodeName: 'rogue',
    seeds: [a.address],
    logger: silent,
    fsync: false,
    swim: { joinRetries: 1 },
  });
  t.after(async () => {
    await rogue.stop();
    await a.stop();
    rmSync(root, { recursive: true, force: true });
  });
  assert.equal(a.address.split(':')[1], a.multiaddr.split('/')[4], 'one port for UDP and TCP');
  const failed = await new Promise<string>((resolve) => rogue.on('join-failed', (e) => resolve(e.error)));
  assert.match(failed, /SwimJoinError/);
  // Make the rogue probe `a` over UDP as if it were a member.
  rogue.swim.bootstrap([{ name: 'a', addr: a.address }]);
  // Another key is another cluster id too: the cluster tag refuses them before decryption.
  await until('a to drop the rogue packets', async () => a.swim.stats.dropped.cluster > 0);
  assert.equal(a.swim.stats.dropped.decode, 0);
  assert.deepEqual(
    a.members().map((m) => m.id),
    ['a'],
  );
  assert.deepEqual(a.net.connectedPeers(), []);
  assert.equal(rogue.transport.stats.streamsFailed > 0, true);
});

test('a node that cannot start releases its port and store', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'fizz-swimtp-'));
  const port = await freePort();
  const base = { dataDir: root, clusterKey: KEY, host: '127.0.0.1', port, logger: silent, fsync: false };
  t.after(() => rmSync(root, { recursive: true, force: true }));
  await assert.rejects(startClusterNode({ ...base, labels: { big: 'x'.repeat(2_000) } }), {
    name: 'SwimMetadataError',
  });
  const node = await startClusterNode(base);
  assert.equal(node.address, `127.0.0.1:${port}`);
  await node.stop();
  await assert.rejects(startClusterNode({ ...base, clusterKey: 'short' }), { name: 'ClusterKeyError' });
});

test("a node given the agent's store uses it and leaves it open", async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'fizz-swimtp-'));
  const store = await openStore(join(root, 'agent-state'), { nodeId: 'n1', clock: Date.now, fsync: false });
  t.after(async () => {
    await store.close();
    rmSync(root, { recursive: true, force: true });
  });
  const node = await startClusterNode({
    dataDir: root,
    clusterKey: KEY,
    host: '127.0.0.1',
    port: 0,
    nodeName: 'n1',
    logger: silent,
    store,
  });
  assert.equal(node.state, store.state);
  await node.stop();
  store.state.putProject({ name: 'after-stop', services: {} });
  await store.flush();
  assert.deepEqual(store.state.listProjects(), ['after-stop']);
});
