/** The membership digest and the digest-first periodic push-pull. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Core } from '../../swim/core.js';
import { type DigestEntry, membershipDigest, sameDigest } from '../../swim/digest.js';
import type { PushPull } from '../../swim/push-pull.js';
import { SimCluster } from '../../swim/sim-cluster.js';
import type { Swim } from '../../swim/swim.js';
import { MemberState } from '../../swim/types.js';

/** The parts of a node these tests look inside. */
function inside(s: Swim): { core: Core; pushPull: PushPull } {
  return s as unknown as { core: Core; pushPull: PushPull };
}

const entry: fc.Arbitrary<DigestEntry> = fc.record({
  name: fc.string({ minLength: 1, maxLength: 20 }),
  incarnation: fc.integer({ min: 0, max: 0xffffffff }),
  state: fc.constantFrom(MemberState.Alive, MemberState.Suspect, MemberState.Dead, MemberState.Left),
});
const memberList = fc.uniqueArray(entry, { selector: (e) => e.name, minLength: 1, maxLength: 30 });

test('the digest does not depend on order, and any change of name, incarnation or state changes it', () => {
  fc.assert(
    fc.property(memberList, fc.nat(), fc.integer({ min: 1, max: 1000 }), (list, at, bump) => {
      const d = membershipDigest(list);
      assert.equal(d.count, list.length);
      assert.ok(sameDigest(d, membershipDigest([...list].reverse())));
      const i = at % list.length;
      const e = list[i]!;
      const variants: DigestEntry[] = [
        { ...e, incarnation: (e.incarnation + bump) >>> 0 },
        { ...e, state: ((e.state + 1) % 4) as MemberState },
        { ...e, name: `${e.name}x` },
      ];
      for (const v of variants) {
        if (v.name !== e.name && list.some((o) => o.name === v.name)) continue;
        const changed = list.map((o, j) => (j === i ? v : o));
        assert.ok(!sameDigest(d, membershipDigest(changed)), JSON.stringify(v));
      }
      assert.ok(!sameDigest(d, membershipDigest(list.slice(1))));
    }),
  );
});

test('the cached digest always equals a fresh one, through joins, kills, restarts, loss and meta updates', () => {
  const c = new SimCluster({
    nodes: 12,
    seed: 21,
    bootstrap: false,
    network: { loss: 0.05 },
    config: { pushPullInterval: 1500 },
  });
  const check = (when: string) => {
    for (const s of c.nodes.values()) {
      const { core, pushPull } = inside(s);
      assert.deepEqual(pushPull.digest(), membershipDigest(core.members.values()), `${s.name} ${when}`);
    }
  };
  for (let step = 0; step < 40; step++) {
    c.run(500);
    check(`step ${step}`);
    if (step === 10) c.kill('n3');
    if (step === 20) c.restart('n3', ['n0']);
    if (step % 7 === 3) c.node('n5').setMeta({ version: `v${step}` });
  }
});

test('in a steady cluster every periodic push-pull is a digest and its answer is "same"', () => {
  const c = new SimCluster({ nodes: 40, seed: 5, config: { pushPullInterval: 1000 } });
  c.run(20_000); // push-pull every 2 s at N = 40 (config.ts scaling): ~10 per node
  let same = 0;
  let differ = 0;
  let msgs = 0;
  let bytes = 0;
  for (const s of c.nodes.values()) {
    const { pushPull } = inside(s);
    same += pushPull.digests.same;
    differ += pushPull.digests.differ;
    msgs += s.stats.sent.pushPullMsgs;
    bytes += s.stats.sent.pushPullBytes;
  }
  assert.ok(same >= 40 * 8, `${same} digests answered "same"`);
  assert.equal(differ, 0);
  // A request is 6 + 14 bytes, a reply 6 + 3: nothing of the 40-member lists was sent.
  assert.equal(bytes, (msgs / 2) * (20 + 9));
});

test('a view that differs is noticed by the digest and fixed by a full exchange', () => {
  const c = new SimCluster({ nodes: 8, seed: 13, config: { pushPullInterval: 1000, gossipNodes: 0 } });
  c.run(2000);
  // n0 alone believes n6 holds a newer incarnation than n6 itself does (as if it heard an
  // alive everyone else missed): the digests of n0 and everyone else differ.
  const { core } = inside(c.node('n0'));
  core.members.get('n6')!.incarnation += 3;
  core.changes++;
  const before = c.node('n6').incarnationOf('n6')!;
  c.run(10_000);
  let differ = 0;
  for (const s of c.nodes.values()) differ += inside(s).pushPull.digests.differ;
  assert.ok(differ > 0, 'some digest differed');
  // n6 learnt of the claim in a full exchange and refuted it; every view agrees again.
  assert.ok(c.node('n6').incarnationOf('n6')! > before + 3);
  const ref = inside(c.node('n0')).pushPull.digest();
  for (const s of c.nodes.values())
    assert.deepEqual(inside(s).pushPull.digest(), ref, `${s.name} agrees with n0`);
});
