/**
 * Reaping (swim/reap.ts), in simulated time on a SimNetwork: dead and left members leave
 * the member list `gossipToTheDeadTime` after their death, are gossiped to until then, are
 * remembered against stale alives and for reconnects, and come back as a join when they
 * return with a higher incarnation. Every failure message names its seed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Writer } from '../../swim/bytes.js';
import {
  decodeMessages,
  type Message,
  MsgType,
  type PushPullEntry,
  writeMessage,
  writePushPull,
} from '../../swim/codec.js';
import { lanConfig, type SwimConfig, wanConfig } from '../../swim/config.js';
import { Envelope } from '../../swim/envelope.js';
import { BroadcastQueue } from '../../swim/queue.js';
import { ReapedList } from '../../swim/reap.js';
import { SimCluster } from '../../swim/sim-cluster.js';
import { MemberState } from '../../swim/types.js';

const N = 6;
const REAP = lanConfig('x').gossipToTheDeadTime;
const EMPTY = new Uint8Array(0);

interface Ev {
  t: number;
  at: string;
  ev: string;
  name: string;
  state: string;
  inc: number;
}

function cluster(seed: number, config: Partial<Omit<SwimConfig, 'name'>> = {}) {
  const events: Ev[] = [];
  const c: SimCluster = new SimCluster({ nodes: N, seed, config }, (s) => {
    for (const ev of ['join', 'suspect', 'alive', 'dead', 'leave', 'reap'] as const)
      s.on(ev, (m) =>
        events.push({ t: c.clock.now(), at: s.name, ev, name: m.name, state: m.state, inc: m.incarnation }),
      );
  });
  return { c, events };
}

function runUntil(c: SimCluster, cond: () => boolean, maxMs: number, stepMs = 100): boolean {
  for (let t = 0; t < maxMs && !cond(); t += stepMs) c.run(stepMs);
  return cond();
}

const others = (c: SimCluster, name: string) => c.names.filter((n) => n !== name && !c.isDown(n));

/** Kills `name` and waits until every other node has declared it dead. */
function killAndConfirm(c: SimCluster, name: string, seed: number): void {
  c.kill(name);
  c.markDown(name, true);
  assert.ok(
    runUntil(c, () => c.allSee(name, ['dead']), 20_000),
    `seed ${seed}: all see ${name} dead`,
  );
}

/**
 * Something at `addr` on the network that is no SWIM node: it records the messages of
 * every packet it is sent (answering nothing) and sends hand-made packets and push-pulls.
 */
function rogue(c: SimCluster, addr: string) {
  const { transport } = c.net.addNode(addr);
  const env = new Envelope('sim', undefined);
  const received: Array<{ t: number; from: string; msgs: Message[] }> = [];
  transport.listen({
    packet(from, data) {
      const { body, start } = env.open(data);
      received.push({ t: c.clock.now(), from, msgs: decodeMessages(body, start) });
    },
    stream: () => null,
  });
  return {
    received,
    send(to: string, msgs: Message[]): void {
      const w = new Writer(1024);
      env.begin(w);
      for (const m of msgs) writeMessage(w, m);
      transport.sendPacket(to, env.finish(w));
    },
    pushPull(to: string, members: PushPullEntry[]): void {
      const w = new Writer(4096);
      env.begin(w);
      writePushPull(w, { join: false, count: members.length, members });
      transport.request(to, env.finish(w), 1000, () => {});
    },
  };
}

const alive = (node: string, incarnation: number, addr = node): Message => ({
  type: MsgType.Alive,
  incarnation,
  node,
  addr,
  meta: EMPTY,
});

test('presets: reaping after 30 s (LAN) / 60 s (WAN), no reclaim, 1,024 reaped members kept for 24 h', () => {
  const l = lanConfig('x');
  const w = wanConfig('x');
  assert.equal(l.gossipToTheDeadTime, 30_000);
  assert.equal(w.gossipToTheDeadTime, 60_000);
  assert.equal(l.deadNodeReclaimTime, 0);
  assert.equal(w.deadNodeReclaimTime, 0);
  assert.equal(l.reconnectTimeout, 24 * 3600_000);
  assert.equal(l.maxReaped, 1024);
});

test('a dead member is reaped gossipToTheDeadTime after each node declared it dead, not before', () => {
  const seed = 1;
  const { c, events } = cluster(seed);
  c.run(2000);
  killAndConfirm(c, 'n5', seed);
  const deadAt = new Map(events.filter((e) => e.ev === 'dead' && e.name === 'n5').map((e) => [e.at, e.t]));
  assert.equal(deadAt.size, N - 1, `seed ${seed}: one dead event per observer`);
  const first = Math.min(...deadAt.values());
  const last = Math.max(...deadAt.values());
  c.clock.runUntil(first + REAP - 1);
  assert.equal(events.filter((e) => e.ev === 'reap').length, 0, `seed ${seed}: nobody reaped early`);
  for (const n of others(c, 'n5')) {
    assert.equal(c.node(n).stateOf('n5'), 'dead', `seed ${seed}: ${n} still lists n5`);
    assert.equal(c.node(n).stats.reaped, 0);
  }
  c.clock.runUntil(last + REAP + 1);
  for (const n of others(c, 'n5')) {
    const s = c.node(n);
    const reaps = events.filter((e) => e.ev === 'reap' && e.at === n);
    assert.equal(reaps.length, 1, `seed ${seed}: ${n} reaped once`);
    assert.equal(reaps[0]!.name, 'n5');
    assert.equal(reaps[0]!.state, 'dead', 'the event shows the member as it was');
    assert.equal(
      reaps[0]!.t - deadAt.get(n)!,
      REAP,
      `seed ${seed}: ${n} reaped exactly ${REAP} ms after its dead event`,
    );
    assert.equal(s.stateOf('n5'), undefined);
    assert.equal(s.member('n5'), undefined);
    assert.equal(s.members().length, N - 1);
    assert.equal(s.stats.reaped, 1);
  }
  // Nothing brings it back while it stays dead.
  c.run(3 * REAP);
  assert.ok(c.allSee('n5', ['none']), `seed ${seed}: n5 stays reaped`);
  assert.equal(events.filter((e) => e.ev === 'join' && e.name === 'n5').length, 0);
});

test('a member that left is reaped gossipToTheDeadTime after its departure', () => {
  const seed = 2;
  const { c, events } = cluster(seed);
  c.run(2000);
  // leaveCb's callback runs after the node stops, on a later turn of the event loop.
  c.node('n4').leaveCb(() => {});
  c.markDown('n4', true);
  assert.ok(
    runUntil(c, () => c.allSee('n4', ['left']), 10_000),
    `seed ${seed}: all see n4 left`,
  );
  const leftAt = new Map(events.filter((e) => e.ev === 'leave' && e.name === 'n4').map((e) => [e.at, e.t]));
  assert.equal(leftAt.size, N - 1);
  c.clock.runUntil(Math.max(...leftAt.values()) + REAP + 1);
  for (const n of others(c, 'n4')) {
    const reap = events.find((e) => e.ev === 'reap' && e.at === n);
    assert.ok(reap, `seed ${seed}: ${n} reaped n4`);
    assert.equal(reap.state, 'left');
    assert.equal(reap.t - leftAt.get(n)!, REAP);
    assert.equal(c.node(n).stateOf('n4'), undefined);
    assert.equal(c.node(n).stats.reaped, 1);
  }
});

test('gossipToTheDeadTime = Infinity never reaps', () => {
  const seed = 3;
  const { c, events } = cluster(seed, { gossipToTheDeadTime: Number.POSITIVE_INFINITY });
  c.run(2000);
  killAndConfirm(c, 'n5', seed);
  c.run(20 * 60_000);
  assert.ok(c.allSee('n5', ['dead']), `seed ${seed}: still listed dead after 20 min`);
  assert.equal(events.filter((e) => e.ev === 'reap').length, 0);
  for (const n of others(c, 'n5')) assert.equal(c.node(n).stats.reaped, 0);
});

test('dead members get gossip until they are reaped, and none after', () => {
  const seed = 4;
  const { c, events } = cluster(seed);
  c.run(2000);
  killAndConfirm(c, 'n5', seed);
  // Something listens at the dead member's address: gossip rounds that pick it land here.
  const ear = rogue(c, 'n5');
  const declared = c.clock.now();
  // A metadata update every second keeps gossip rounds running.
  let v = 0;
  const busy = (until: number) => {
    while (c.clock.now() < until) {
      c.node(`n${v % 5}`).setMeta({ version: `v${v++}` });
      c.run(1000);
    }
  };
  busy(declared + REAP - 2000);
  const before = ear.received.length;
  assert.ok(before > 0, `seed ${seed}: n5 got ${before} packets while dead and not reaped`);
  for (const p of ear.received)
    assert.ok(
      p.msgs.every((m) => m.type === MsgType.Alive || m.type === MsgType.Dead || m.type === MsgType.Suspect),
      'gossip only: nobody probes a dead member',
    );
  assert.ok(
    runUntil(c, () => events.filter((e) => e.ev === 'reap').length === N - 1, 10_000),
    `seed ${seed}: all reaped`,
  );
  const reaped = c.clock.now();
  busy(reaped + REAP);
  assert.equal(
    ear.received.filter((p) => p.t > reaped).length,
    0,
    `seed ${seed}: no gossip to a reaped member`,
  );
});

test('members that left get no gossip', () => {
  const seed = 11;
  const { c } = cluster(seed);
  c.run(2000);
  c.node('n4').leaveCb(() => {});
  c.markDown('n4', true);
  assert.ok(
    runUntil(c, () => c.allSee('n4', ['left']), 10_000),
    `seed ${seed}: all see n4 left`,
  );
  c.run(1000);
  const ear = rogue(c, 'n4');
  for (let v = 0; v < 20; v++) {
    c.node(`n${v % 4}`).setMeta({ version: `v${v}` });
    c.run(1000);
  }
  assert.equal(ear.received.length, 0, `seed ${seed}: nothing sent to a member that left`);
});

test('a stale alive (at or below the incarnation it died at) does not bring a reaped member back', () => {
  // Semantics: after n0 reaped n5 (dead at incarnation 0), an alive n5@0, whether
  // piggybacked on a packet or in a push-pull from a peer that still lists n5 alive, is
  // dropped: no join, n5 stays absent. n0 answers by sending the suspicion n5@0 to the
  // address in the alive (at most once per probe interval), so a live n5 could refute;
  // a dead one stays gone. Suspect, dead and left entries about n5 are ignored too.
  const seed = 5;
  const { c, events } = cluster(seed);
  c.run(2000);
  killAndConfirm(c, 'n5', seed);
  assert.equal(c.node('n0').incarnationOf('n5'), 0);
  c.run(REAP + 5000);
  assert.ok(c.allSee('n5', ['none']), `seed ${seed}: n5 reaped everywhere`);
  const ear = rogue(c, 'n5');
  const peer = rogue(c, 'x1');
  const joins = () => events.filter((e) => e.ev === 'join' && e.name === 'n5').length;
  for (let i = 0; i < 5; i++) peer.send('n0', [alive('n5', 0)]);
  peer.pushPull('n0', [
    { name: 'n5', addr: 'n5', incarnation: 0, state: MemberState.Alive, meta: EMPTY },
    { name: 'n1', addr: 'n1', incarnation: 0, state: MemberState.Alive, meta: EMPTY },
  ]);
  peer.pushPull('n1', [{ name: 'n5', addr: 'n5', incarnation: 0, state: MemberState.Dead, meta: EMPTY }]);
  peer.pushPull('n2', [{ name: 'n5', addr: 'n5', incarnation: 0, state: MemberState.Left, meta: EMPTY }]);
  peer.send('n3', [
    { type: MsgType.Suspect, incarnation: 0, node: 'n5', from: 'x1' },
    { type: MsgType.Dead, incarnation: 0, node: 'n5', from: 'x1' },
  ]);
  c.run(50);
  assert.equal(joins(), 0, `seed ${seed}: no join`);
  assert.ok(c.allSee('n5', ['none']), `seed ${seed}: n5 still absent`);
  const nudges = ear.received.filter((p) => p.from === 'n0').flatMap((p) => p.msgs);
  assert.deepEqual(
    nudges.map((m) => m.type === MsgType.Suspect && `${m.node}@${m.incarnation} from ${m.from}`),
    ['n5@0 from n0'],
    `seed ${seed}: one suspicion sent to n5's address for six stale alives within a period`,
  );
  c.run(10_000);
  assert.ok(c.allSee('n5', ['none']), `seed ${seed}: nothing answered, n5 stays absent`);
  // A higher incarnation is news, not staleness: a join.
  peer.send('n0', [alive('n5', 1)]);
  c.run(50);
  assert.equal(c.node('n0').stateOf('n5'), 'alive');
  assert.ok(events.some((e) => e.ev === 'join' && e.name === 'n5' && e.at === 'n0' && e.inc === 1));
});

test('with nothing remembered (reconnectTimeout 0), a reaped member is unknown, as in memberlist', () => {
  const seed = 6;
  const { c, events } = cluster(seed, { reconnectTimeout: 0 });
  c.run(2000);
  killAndConfirm(c, 'n5', seed);
  c.run(REAP + 5000);
  assert.ok(c.allSee('n5', ['none']));
  rogue(c, 'x1').send('n0', [alive('n5', 0)]);
  c.run(50);
  assert.equal(c.node('n0').stateOf('n5'), 'alive', `seed ${seed}: the stale alive is taken as a join`);
  assert.ok(events.some((e) => e.ev === 'join' && e.name === 'n5' && e.at === 'n0'));
});

test('a reaped member that restarts comes back as a join at a higher incarnation', () => {
  const seed = 7;
  const { c, events } = cluster(seed);
  c.run(2000);
  killAndConfirm(c, 'n5', seed);
  c.run(REAP + 5000);
  assert.ok(c.allSee('n5', ['none']), `seed ${seed}: reaped everywhere`);
  const reapedAt = c.clock.now();
  // A fresh process starts at incarnation 0, the one n5 died at: its alive is stale to
  // the others, who answer with the suspicion; it refutes at 1 and is taken back.
  const fresh = c.restart('n5', ['n0']);
  c.markDown('n5', false);
  assert.ok(
    runUntil(c, () => c.allSee('n5', ['alive']) && fresh.numLive === N, 20_000),
    `seed ${seed}: n5 back everywhere`,
  );
  assert.ok(fresh.incarnation >= 1, `seed ${seed}: refuted to ${fresh.incarnation}`);
  for (const n of others(c, 'n5')) {
    const join = events.find((e) => e.ev === 'join' && e.name === 'n5' && e.at === n && e.t > reapedAt);
    assert.ok(join, `seed ${seed}: ${n} saw n5 join`);
    assert.ok(join.inc >= 1);
    assert.equal(c.node(n).incarnationOf('n5'), fresh.incarnation);
  }
});

test('a partition longer than gossipToTheDeadTime heals through the reaped members list', () => {
  const seed = 8;
  const run = (config: Partial<Omit<SwimConfig, 'name'>>) => {
    const { c } = cluster(seed, config);
    c.run(2000);
    c.net.partition([
      ['n0', 'n1', 'n2'],
      ['n3', 'n4', 'n5'],
    ]);
    c.run(2 * REAP);
    for (const n of c.names)
      assert.equal(c.node(n).members().length, 3, `seed ${seed}: ${n} reaped the far side`);
    c.net.heal();
    runUntil(
      c,
      () => c.names.every((n) => c.node(n).numLive === N),
      6 * lanConfig('x').pushPullInterval,
      500,
    );
    return c.names.filter((n) => c.node(n).numLive === N).length;
  };
  assert.equal(run({}), N, `seed ${seed}: every node sees all ${N} again`);
  // Without the list both sides forget each other for good (the agent's rejoin is the remedy).
  assert.equal(run({ reconnectTimeout: 0 }), 0, `seed ${seed}: control run`);
});

test('deadNodeReclaimTime: another address takes over a name dead for longer than that', () => {
  const seed = 9;
  const check = (config: Partial<Omit<SwimConfig, 'name'>>, waitMs: number, addr: string) => {
    const { c } = cluster(seed, { gossipToTheDeadTime: Number.POSITIVE_INFINITY, ...config });
    c.run(2000);
    killAndConfirm(c, 'n5', seed);
    c.run(waitMs);
    rogue(c, 'x1').send('n0', [alive('n5', 0, addr)]);
    c.run(20);
    return c.node('n0').member('n5');
  };
  assert.equal(check({ deadNodeReclaimTime: 5000 }, 6000, 'n5b')?.address, 'n5b');
  assert.equal(check({ deadNodeReclaimTime: 5000 }, 6000, 'n5b')?.state, 'alive');
  assert.equal(check({ deadNodeReclaimTime: 5000 }, 2000, 'n5b')?.state, 'dead', 'not yet');
  assert.equal(check({ deadNodeReclaimTime: 5000 }, 6000, 'n5')?.state, 'dead', 'same address: stale');
  assert.equal(check({}, 60_000, 'n5b')?.state, 'dead', 'off by default');
  // After reaping too: the remembered entry yields to a new address.
  const { c } = cluster(seed, { deadNodeReclaimTime: 5000 });
  c.run(2000);
  killAndConfirm(c, 'n5', seed);
  c.run(REAP + 5000);
  rogue(c, 'x1').send('n0', [alive('n5', 0, 'n5c')]);
  c.run(20);
  assert.equal(c.node('n0').member('n5')?.address, 'n5c');
});

test('reaping replays exactly from the seed', () => {
  const trace = (seed: number) => {
    const { c, events } = cluster(seed, {});
    c.run(2000);
    c.kill('n5');
    c.node('n4').leaveCb(() => {});
    c.run(REAP + 10_000);
    c.restart('n5', ['n1']);
    c.net.partition([['n0', 'n1']]);
    c.run(REAP + 10_000);
    c.net.heal();
    c.run(2 * REAP);
    return events.map((e) => `${e.t.toFixed(3)} ${e.at} ${e.ev} ${e.name}@${e.inc}`);
  };
  const a = trace(10);
  assert.ok(a.filter((l) => l.includes(' reap ')).length >= 8, 'reaps happen');
  assert.deepEqual(a, trace(10));
});

test('ReapedList: bounded, oldest forgotten first, entries expire reconnectTimeout after death', () => {
  const l = new ReapedList(3, 1000);
  const e = (name: string, diedAt: number, left = false) => ({
    name,
    addr: name,
    incarnation: 1,
    left,
    diedAt,
    nudgedAt: Number.NEGATIVE_INFINITY,
  });
  for (const n of ['a', 'b', 'c', 'd']) l.add(e(n, 100), 200);
  assert.equal(l.size, 3);
  assert.equal(l.get('a', 200), undefined, 'the oldest went');
  l.add(e('b', 150, true), 200);
  l.add(e('f', 160), 200);
  assert.equal(l.get('c', 200), undefined, 'b was re-added, so c was the oldest');
  assert.deepEqual(
    l.dead(300).map((x) => x.name),
    ['d', 'f'],
    'left members are not reconnected to',
  );
  assert.equal(l.get('d', 1099)?.name, 'd');
  assert.equal(l.get('d', 1100), undefined, 'expired');
  assert.deepEqual(
    l.dead(1155).map((x) => x.name),
    ['f'],
  );
  l.add(e('old', 0), 5000);
  assert.equal(l.get('old', 5000), undefined, 'already past its time');
  const none = new ReapedList(0, 1000);
  none.add(e('a', 0), 0);
  assert.equal(none.size, 0);
});

test('BroadcastQueue.remove drops the update queued about a member', () => {
  const q = new BroadcastQueue();
  q.queue('a', new Uint8Array([1]));
  q.queue('b', new Uint8Array([2]));
  q.remove('a');
  q.remove('zz');
  const out: Uint8Array[] = [];
  q.take(out, 100, 0, 5);
  assert.deepEqual(
    out.map((x) => x[0]),
    [2],
  );
  q.queue('a', new Uint8Array([3]));
  assert.equal(q.length, 2);
});
