/**
 * With no gossipsub mesh (D = 0: writes are flood-published to directly connected peers and
 * nothing is relayed), a node that is not connected to the writer still gets the write:
 * through lazy gossip (IHAVE/IWANT) from a peer that has it, or through anti-entropy.
 * Line A — C — B: A and B never connect. Anti-entropy is set far out (60 s) so only gossip
 * can deliver in time; then, with gossip cut out (a second write while B is away from C),
 * anti-entropy on reconnection delivers.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ClusterState } from '../../crdt/index.js';
import { type ClusterNet, createClusterNet } from '../../src/net/index.js';

const KEY = 'relay-test-cluster-key-00000';
const quiet = { info() {}, warn() {}, debug() {} };

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('a write reaches a node that is not connected to its writer (line A — C — B)', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'fizz-relay-'));
  const nets: ClusterNet[] = [];
  t.after(async () => {
    await Promise.all(nets.map((n) => n.stop()));
    rmSync(root, { recursive: true, force: true });
  });
  const states = ['a', 'c', 'b'].map((id) => new ClusterState({ nodeId: id, clock: Date.now }));
  for (const [i, state] of states.entries()) {
    const net = await createClusterNet({
      dataDir: join(root, String(i)),
      clusterKey: KEY,
      listen: { host: '127.0.0.1', port: 0 },
      state,
      logger: quiet,
      syncIntervalMs: 60_000,
      meshDegree: 0,
    });
    await net.start();
    nets.push(net);
  }
  const [a, c, b] = nets as [ClusterNet, ClusterNet, ClusterNet];
  const [sa, , sb] = states as [ClusterState, ClusterState, ClusterState];
  await a.dial(c.addresses[0]!);
  await b.dial(c.addresses[0]!);
  await until('the topic on the line', () => c.topicPeers().length === 2 && a.topicPeers().length === 1);
  sa.putProject({ name: 'by-gossip' });
  await until('B to get the write through C', () => sb.getProject('by-gossip') !== undefined);
  assert.deepEqual(a.connectedPeers(), [c.peerId], 'A and B never connected');
  assert.ok(b.metrics.updatesApplied >= 1, 'it came by gossip, not by anti-entropy');
});

test('setPeers keeps a peer dialled: after it restarts on its address, it is reconnected and synced', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'fizz-redial-'));
  const nets: ClusterNet[] = [];
  t.after(async () => {
    await Promise.all(nets.map((n) => n.stop()));
    rmSync(root, { recursive: true, force: true });
  });
  const mk = async (dir: string, state: ClusterState, port = 0) => {
    const net = await createClusterNet({
      dataDir: join(root, dir),
      clusterKey: KEY,
      listen: { host: '127.0.0.1', port },
      state,
      logger: quiet,
      redialIntervalMs: 200,
    });
    await net.start();
    nets.push(net);
    return net;
  };
  const sa = new ClusterState({ nodeId: 'a', clock: Date.now });
  const a = await mk('a', sa);
  const b1 = await mk('b', new ClusterState({ nodeId: 'b', clock: Date.now }));
  const addr = b1.addresses[0]!;
  const port = Number(/\/tcp\/(\d+)/.exec(addr)![1]);
  a.setPeers([addr]);
  await until('A to connect to B', () => a.connectedPeers().includes(b1.peerId));
  await b1.stop();
  sa.putProject({ name: 'while-away' });
  const sb = new ClusterState({ nodeId: 'b', clock: Date.now });
  const b2 = await mk('b', sb, port);
  assert.equal(b2.peerId, b1.peerId);
  await until('A to redial B and B to catch up', () => sb.getProject('while-away') !== undefined);
});
