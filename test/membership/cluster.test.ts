/**
 * Real processes on loopback, each one address `127.0.0.1:P` (SWIM on UDP P, libp2p on
 * TCP P): three started with only a seed find each other through SWIM and replicate state
 * over libp2p; one killed with SIGKILL is declared dead and dropped from the libp2p peers;
 * restarted from its data directory it rejoins at a higher incarnation and catches up; a
 * process with another cluster key cannot join.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ClusterProc, freePort, type NodeEvent, until } from './cluster-driver.js';

const KEY = 'membership-test-cluster-key-0123';
const OTHER_KEY = 'another-cluster-key-9876543210';

interface SwimMember {
  name: string;
  state: string;
  incarnation: number;
}

async function members(n: ClusterProc): Promise<SwimMember[]> {
  return (await n.request('members')).members as SwimMember[];
}

async function aliveNames(n: ClusterProc): Promise<string[]> {
  return (await members(n))
    .filter((m) => m.state === 'alive')
    .map((m) => m.name)
    .sort();
}

async function peers(n: ClusterProc): Promise<{ desired: string[]; connected: string[] }> {
  return (await n.request('peers')) as unknown as { desired: string[]; connected: string[] };
}

const now = () => performance.timeOrigin + performance.now();

test('three processes at one address each: SWIM membership drives libp2p', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'fizz-membership-'));
  const procs: ClusterProc[] = [];
  const logs: string[] = [];
  t.after(async () => {
    await Promise.all(procs.map((p) => p.kill9()));
    rmSync(root, { recursive: true, force: true });
  });
  // A failing step prints the tail of the nodes' logs.
  const step = (name: string, fn: () => Promise<void>) =>
    t.test(name, async (st) => {
      try {
        await fn();
      } catch (err) {
        st.diagnostic(logs.slice(-40).join('\n'));
        throw err;
      }
    });
  const ports = [await freePort(), await freePort(), await freePort(), await freePort()];
  const start = async (name: string, port: number, seeds: string[], key = KEY) => {
    const p = await ClusterProc.start({
      dir: join(root, name),
      port,
      name,
      key,
      seeds,
      onLog: (l) => logs.push(`${name}: ${l}`),
    });
    procs.push(p);
    return p;
  };

  const a = await start('a', ports[0]!, []);
  assert.equal(a.address, `127.0.0.1:${ports[0]}`, 'one address: the UDP port is the TCP port');
  assert.equal(a.multiaddr, `/ip4/127.0.0.1/tcp/${ports[0]}/p2p/${a.peerId}`);
  const seed = [a.address];
  const [b, c0] = await Promise.all([start('b', ports[1]!, seed), start('c', ports[2]!, seed)]);
  let c = c0!;

  await step('(a) all see each other alive; a change on one reaches all over libp2p', async () => {
    await until('every node to see three alive members', async () =>
      (await Promise.all([a, b!, c].map(aliveNames))).every((names) => names.join() === 'a,b,c'),
    );
    await until('every node to be connected over libp2p to the two others', async () =>
      (await Promise.all([a, b!, c].map(peers))).every(
        (p) => p.connected.length === 2 && p.desired.length === 2,
      ),
    );
    const pa = await peers(a);
    assert.deepEqual(pa.desired.sort(), [b!.multiaddr, c.multiaddr].sort(), 'peers come from SWIM members');
    await b!.request('put', { spec: { name: 'web', services: { app: { image: 'x' } } } });
    await Promise.all([a, c].map((n) => n.request('wait', { project: 'web' })));
    for (const n of [a, c])
      assert.deepEqual((await n.request('get', { name: 'web' })).spec, {
        name: 'web',
        services: { app: { image: 'x' } },
      });
  });

  let incarnationAtDeath = 0;
  await step('(b) SIGKILL: the others mark it dead and drop it from their libp2p peers', async () => {
    incarnationAtDeath = (await members(a)).find((m) => m.name === 'c')!.incarnation;
    const from = [a.events.length, b!.events.length];
    const deadOn = (n: ClusterProc, i: number) =>
      n.waitEventAfter(
        from[i]!,
        (e: NodeEvent) =>
          e.event === 'member' && e.kind === 'dead' && (e.member as { id: string }).id === 'c',
      );
    const waits = [deadOn(a, 0), deadOn(b!, 1)];
    const killedAt = now();
    await c.kill9();
    let timer: NodeJS.Timeout | undefined;
    const dead = await Promise.race([
      Promise.all(waits),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('no dead event in 20 s')), 20_000);
      }),
    ]).finally(() => clearTimeout(timer));
    const ms = dead.map((e) => Math.round(e.t - killedAt));
    t.diagnostic(`SIGKILL → dead: a ${ms[0]} ms, b ${ms[1]} ms`);
    for (const n of [a, b!]) {
      await until('the dead node to leave the libp2p peers', async () => {
        const p = await peers(n);
        return !p.desired.includes(c.multiaddr) && !p.connected.includes(c.peerId);
      });
      const placement = (await n.request('members')).placement as Array<{ id: string; status: string }>;
      assert.equal(placement.find((m) => m.id === 'c')?.status, 'dead');
    }
    // A change made while it is down.
    await a.request('put', { spec: { name: 'db', services: {} } });
  });

  await step('(c) restarted from its data dir: rejoins at a higher incarnation and catches up', async () => {
    const fromA = a.events.length;
    const back = await start('c', ports[2]!, seed);
    assert.equal(back.peerId, c.peerId, 'same identity');
    c = back;
    const rejoined = await a.waitEventAfter(
      fromA,
      (e) =>
        e.event === 'member' &&
        (e.member as { id: string; status: string }).id === 'c' &&
        (e.member as { status: string }).status === 'alive',
    );
    assert.ok(
      (rejoined.incarnation as number) > incarnationAtDeath,
      `incarnation ${rejoined.incarnation} > ${incarnationAtDeath}`,
    );
    await c.request('wait', { project: 'db' });
    assert.deepEqual((await c.request('list')).projects, ['db', 'web']);
    await until('all three alive again everywhere', async () =>
      (await Promise.all([a, b!, c].map(aliveNames))).every((names) => names.join() === 'a,b,c'),
    );
  });

  await step('(d) a process with another cluster key joins neither SWIM nor libp2p', async () => {
    const rogue = await start('rogue', ports[3]!, seed, OTHER_KEY);
    const failed = await rogue.waitEvent((e) => e.event === 'join-failed');
    assert.match(String(failed.error), /SwimJoinError/);
    assert.deepEqual(await aliveNames(rogue), ['rogue']);
    for (const n of [a, b!, c]) {
      assert.ok(!(await members(n)).some((m) => m.name === 'rogue'), 'not a member');
      assert.ok(!(await peers(n)).connected.includes(rogue.peerId), 'not connected over libp2p');
    }
    assert.deepEqual((await rogue.request('list')).projects, [], 'read nothing');
  });
});
