/**
 * Real processes on loopback: five devnodes (store + libp2p) in a full mesh. A change made
 * on one reaches all; a stopped node misses changes and catches up when it comes back; a
 * node killed with SIGKILL keeps every change it acknowledged.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Devnode } from '../../src/net/devnode-client.js';

const KEY = 'test-cluster-key-0123456789';

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function digests(nodes: Devnode[]): Promise<string[]> {
  return Promise.all(nodes.map(async (n) => String((await n.request('digest')).digest)));
}

test('five processes: a change reaches all; a stopped node catches up after restart', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'fizz-net5-'));
  const nodes: Devnode[] = [];
  t.after(async () => {
    await Promise.all(nodes.map((n) => n.kill9()));
    rmSync(root, { recursive: true, force: true });
  });
  nodes.push(
    ...(await Promise.all([0, 1, 2, 3, 4].map((i) => Devnode.start({ dir: join(root, `n${i}`), key: KEY })))),
  );
  // Membership hands every node the others' addresses (as swim/ will in the agent).
  const all = nodes.map((n) => n.addresses[0]!);
  await Promise.all(
    nodes.map((n) => n.request('setPeers', { addrs: all.filter((a) => a !== n.addresses[0]) })),
  );
  await until('a full mesh of topic peers', async () =>
    (await Promise.all(nodes.map((n) => n.request('peers')))).every(
      (p) => (p.topic as string[]).length === 4,
    ),
  );

  await nodes[2]!.request('put', { spec: { name: 'web', services: { app: { image: 'x' } } } });
  await Promise.all(nodes.map((n) => n.request('wait', { project: 'web' })));
  const specs = await Promise.all(nodes.map((n) => n.request('get', { name: 'web' })));
  for (const s of specs) assert.deepEqual(s.spec, { name: 'web', services: { app: { image: 'x' } } });

  // Node 4 goes away; changes are made without it.
  const dir4 = join(root, 'n4');
  const peerId4 = nodes[4]!.peerId;
  await nodes[4]!.stop();
  nodes.pop();
  await nodes[0]!.request('put', { spec: { name: 'db', services: {} } });
  await nodes[1]!.request('remove', { name: 'web' });
  await nodes[3]!.request('put', { spec: { name: 'cache', services: {} } });
  await until('the four to agree', async () => new Set(await digests(nodes)).size === 1);
  const expected = (await nodes[0]!.request('list')).projects;
  assert.deepEqual(expected, ['cache', 'db']);

  // It comes back with its old data directory and catches up through anti-entropy.
  const back = await Devnode.start({ dir: dir4, key: KEY, peers: nodes.map((n) => n.addresses[0]!) });
  nodes.push(back);
  assert.equal(back.peerId, peerId4, 'the identity survives the restart');
  await until('the restarted node to catch up', async () => new Set(await digests(nodes)).size === 1);
  assert.deepEqual((await back.request('list')).projects, ['cache', 'db']);
  const metrics = (await back.request('metrics')).metrics as { syncsOk: number };
  assert.ok(metrics.syncsOk > 0, 'caught up by sync');
});

test('kill -9 while writing: every acknowledged change survives the restart', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'fizz-kill9-'));
  let node = await Devnode.start({ dir: root, key: KEY });
  t.after(async () => {
    await node.kill9();
    rmSync(root, { recursive: true, force: true });
  });
  const acked: number[] = [];
  // Keep a window of writes in flight until the kill, so the kill always lands among
  // unacknowledged writes however fast the node answers.
  const inflight = new Set<Promise<unknown>>();
  let stopIssuing = false;
  let next = 0;
  const issue = (): void => {
    const i = next++;
    const p: Promise<unknown> = node
      .request('scale', { project: 'p', service: `s${i}`, n: i + 1 })
      .then(() => acked.push(i))
      .catch(() => {})
      .finally(() => {
        inflight.delete(p);
        if (!stopIssuing) issue();
      });
    inflight.add(p);
  };
  for (let k = 0; k < 50; k++) issue();
  while (acked.length < 100) await new Promise((r) => setImmediate(r));
  stopIssuing = true;
  const inFlightAtKill = inflight.size;
  await node.kill9();
  const ackedAtKill = acked.length;
  await Promise.all([...inflight]);
  assert.equal(acked.length, ackedAtKill, 'no acknowledgement after the kill');
  assert.ok(inFlightAtKill > 0, 'the kill came while writes were in flight');
  node = await Devnode.start({ dir: root, key: KEY });
  assert.deepEqual(
    node.ready.problems,
    [],
    'group-committed records are whole; a torn tail would be reported',
  );
  for (const i of acked) {
    const r = await node.request('getScale', { project: 'p', service: `s${i}` });
    assert.equal(r.n, i + 1, `acknowledged write ${i} lost`);
  }
});
