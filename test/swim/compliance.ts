/**
 * One behaviour suite for every Transport (js-libp2p's habit): the same tests run against
 * the simulated network (compliance-sim.test.ts) and real UDP on loopback
 * (compliance-udp.test.ts). Waits are in the harness's own time, so the simulated run
 * takes no wall-clock time; no assertion is about how long anything took.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Clock } from '../../swim/clock.js';
import { lanConfig, type SwimConfig } from '../../swim/config.js';
import { Keyring } from '../../swim/keyring.js';
import type { Random } from '../../swim/random.js';
import { Swim } from '../../swim/swim.js';
import type { Transport } from '../../swim/transport.js';

export interface NodeEnv {
  transport: Transport;
  clock: Clock;
  random: Random;
}

export interface Harness {
  /** A fresh node environment; with `address`, one at that address again (a restart). */
  node(address?: string): Promise<NodeEnv>;
  /** Lets `ms` of the harness's time pass. */
  wait(ms: number): Promise<void>;
  /** The process behind `t` dies without a word (kill -9). */
  kill(t: Transport): Promise<void>;
  close(): Promise<void>;
}

export const KEY_A = new Uint8Array(32).fill(7);
export const KEY_B = new Uint8Array(32).fill(9);

export function testConfig(name: string): SwimConfig {
  return {
    ...lanConfig(name),
    joinRetries: 2,
    joinRetryDelay: 200,
    pushPullInterval: 3000,
    streamTimeout: 1000,
  };
}

export async function until(h: Harness, cond: () => boolean, maxMs: number, stepMs = 50): Promise<boolean> {
  for (let t = 0; t <= maxMs; t += stepMs) {
    if (cond()) return true;
    await h.wait(stepMs);
  }
  return cond();
}

export function transportCompliance(label: string, makeHarness: () => Promise<Harness>): void {
  const nodes: Swim[] = [];
  async function spawn(
    h: Harness,
    name: string,
    opts: { cluster?: string; key?: Uint8Array; address?: string } = {},
  ) {
    const env = await h.node(opts.address);
    const swim = new Swim({
      config: testConfig(name),
      transport: env.transport,
      clock: env.clock,
      random: env.random,
      clusterId: opts.cluster ?? 'test',
      keyring: new Keyring([opts.key ?? KEY_A]),
    });
    swim.start();
    nodes.push(swim);
    return swim;
  }
  async function cluster(h: Harness, n: number): Promise<Swim[]> {
    const out: Swim[] = [];
    for (let i = 0; i < n; i++) out.push(await spawn(h, `node${i}`));
    await Promise.all(out.slice(1).map((s) => joinIn(h, s, [out[0]!.address])));
    assert.ok(
      await until(h, () => out.every((s) => s.numLive === n), 5000),
      'every node sees every other alive',
    );
    return out;
  }
  /** join() resolves through callbacks that a simulated clock has to drive. */
  async function joinIn(h: Harness, s: Swim, seeds: string[]): Promise<number> {
    let result: { err: Error | null; n: number } | null = null;
    s.joinCb(seeds, (err, n) => {
      result = { err, n };
    });
    await until(h, () => result !== null, 10_000, 20);
    const r = result as { err: Error | null; n: number } | null;
    if (r === null) throw new Error('join never finished');
    if (r.err) throw r.err;
    return r.n;
  }
  async function withHarness(fn: (h: Harness) => Promise<void>): Promise<void> {
    const h = await makeHarness();
    try {
      await fn(h);
    } finally {
      await Promise.all(nodes.splice(0).map((s) => s.stop()));
      await h.close();
    }
  }

  test(`${label}: packets and streams reach the addressed node`, () =>
    withHarness(async (h) => {
      const a = await h.node();
      const b = await h.node();
      const got: Array<[string, string]> = [];
      a.transport.listen({ packet: () => {}, stream: () => null });
      b.transport.listen({
        packet: (from, data) => got.push([from, Buffer.from(data).toString()]),
        stream: (_from, data) => Buffer.from(`re:${Buffer.from(data).toString()}`),
      });
      a.transport.sendPacket(b.transport.address, Buffer.from('hello'));
      assert.ok(await until(h, () => got.length > 0, 2000));
      assert.deepEqual(got[0], [a.transport.address, 'hello']);
      let reply: string | null = null;
      a.transport.request(b.transport.address, Buffer.from('ask'), 1000, (err, r) => {
        assert.equal(err, null);
        reply = Buffer.from(r!).toString();
      });
      assert.ok(await until(h, () => reply !== null, 2000));
      assert.equal(reply, 're:ask');
      await h.kill(b.transport);
      let failure: Error | null = null;
      a.transport.request(b.transport.address, Buffer.from('ask'), 500, (err) => {
        failure = err;
      });
      assert.ok(await until(h, () => failure !== null, 3000));
      assert.equal((failure as Error | null)?.name, 'SwimStreamError');
    }));

  test(`${label}: nodes join through a seed and all see each other alive`, () =>
    withHarness(async (h) => {
      const c = await cluster(h, 4);
      for (const s of c)
        assert.deepEqual(
          s
            .members()
            .map((m) => m.state)
            .sort(),
          ['alive', 'alive', 'alive', 'alive'],
        );
    }));

  test(`${label}: a killed node is suspected, then confirmed dead by every other`, () =>
    withHarness(async (h) => {
      const c = await cluster(h, 4);
      const suspected: string[] = [];
      c[1]!.on('suspect', (m) => suspected.push(m.name));
      const counted = c[1]!.stats.suspicions;
      const victim = c[3]!;
      await h.kill((victim as unknown as { core: { transport: Transport } }).core.transport);
      await victim.stop();
      const others = c.slice(0, 3);
      assert.ok(
        await until(h, () => others.every((s) => s.stateOf('node3') === 'dead'), 15_000),
        'all mark node3 dead',
      );
      assert.ok(suspected.includes('node3') || c[1]!.stateOf('node3') === 'dead');
      // The counts the metrics read: one per suspect event, and the probes that found node3 gone.
      assert.equal(c[1]!.stats.suspicions - counted, suspected.length);
      assert.ok(others.every((s) => s.stats.probes > 0));
      assert.ok(
        others.some((s) => s.stats.probesFailed > 0),
        'no failed probe counted',
      );
    }));

  test(`${label}: a restarted node rejoins with a higher incarnation`, () =>
    withHarness(async (h) => {
      const c = await cluster(h, 3);
      const victim = c[2]!;
      const address = victim.address;
      await victim.stop();
      assert.ok(await until(h, () => c[0]!.stateOf('node2') === 'dead', 15_000));
      const before = c[0]!.incarnationOf('node2')!;
      const joined: number[] = [];
      c[0]!.on('join', (m) => m.name === 'node2' && joined.push(m.incarnation));
      const again = await spawn(h, 'node2', { address });
      await joinIn(h, again, [c[0]!.address]);
      assert.ok(await until(h, () => c.slice(0, 2).every((s) => s.stateOf('node2') === 'alive'), 10_000));
      assert.ok(c[0]!.incarnationOf('node2')! > before, 'the rejoined node carries a higher incarnation');
      assert.ok(joined.length > 0, 'a join event for the comeback');
    }));

  test(`${label}: a graceful leave is seen as left, not dead`, () =>
    withHarness(async (h) => {
      const c = await cluster(h, 3);
      const left: string[] = [];
      c[0]!.on('leave', (m) => left.push(m.name));
      let done = false;
      c[2]!.leaveCb(() => {
        done = true;
      });
      assert.ok(
        await until(
          h,
          () => done && c[0]!.stateOf('node2') === 'left' && c[1]!.stateOf('node2') === 'left',
          5000,
        ),
      );
      assert.deepEqual(left, ['node2']);
    }));

  test(`${label}: metadata changes spread as update events`, () =>
    withHarness(async (h) => {
      const c = await cluster(h, 3);
      const seen: string[] = [];
      c[2]!.on('update', (m) => seen.push(`${m.name}:${m.meta.version}`));
      c[0]!.setMeta({ version: '2.0', labels: { zone: 'a' } });
      assert.ok(await until(h, () => seen.length > 0, 5000));
      assert.deepEqual(seen, ['node0:2.0']);
      assert.deepEqual(c[1]!.member('node0')?.meta.labels, { zone: 'a' });
    }));

  test(`${label}: another cluster or another key cannot join; its packets are counted and dropped`, () =>
    withHarness(async (h) => {
      const [a] = await cluster(h, 1);
      const other = await spawn(h, 'intruder', { cluster: 'elsewhere' });
      await assert.rejects(joinIn(h, other, [a!.address]), { name: 'SwimJoinError' });
      const forger = await spawn(h, 'forger', { key: KEY_B });
      await assert.rejects(joinIn(h, forger, [a!.address]), { name: 'SwimJoinError' });
      // Their probes and gossip reach a as packets too: dropped and counted, never a crash.
      const env = await h.node();
      env.transport.listen({ packet: () => {}, stream: () => null });
      env.transport.sendPacket(a!.address, new Uint8Array([1, 0, 1, 2, 3, 4, 5]));
      env.transport.sendPacket(a!.address, new Uint8Array([9, 9, 9]));
      await h.wait(200);
      const d = a!.stats.dropped;
      assert.ok(d.cluster >= 1, `cluster drops: ${JSON.stringify(d)}`);
      assert.ok(d.auth >= 1, `auth drops: ${JSON.stringify(d)}`);
      assert.ok(d.version + d.decode >= 1, `decode drops: ${JSON.stringify(d)}`);
      assert.equal(a!.numLive, 1);
    }));

  test(`${label}: joining when no seed answers fails with a clear SwimJoinError`, () =>
    withHarness(async (h) => {
      const a = await spawn(h, 'lonely');
      const ghost = await h.node();
      const ghostAddr = ghost.transport.address;
      await h.kill(ghost.transport);
      const err = await joinIn(h, a, [ghostAddr]).then(
        () => null,
        (e: Error) => e,
      );
      assert.equal(err?.name, 'SwimJoinError');
      assert.match(err!.message, /none of the seeds answered/);
      assert.match(err!.message, new RegExp(ghostAddr.replace('.', '\\.')));
    }));
}
