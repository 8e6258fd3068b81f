import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { quorum } from '../../../src/agent/cluster/quorum.js';
import type { MemberStatus, PlacementMember } from '../../../src/placement/types.js';

const m = (id: string, status: MemberStatus = 'alive'): PlacementMember => ({
  id,
  name: id,
  status,
  labels: {},
});
const ids = (list: PlacementMember[]) => list.map((x) => x.id);

describe('quorum: who takes over under a partition', () => {
  it('a majority places over the members it sees and drops the dead from the stable view', () => {
    const v = quorum({
      stable: [m('a'), m('b'), m('c')],
      members: [m('a'), m('b'), m('c', 'dead')],
      tie: 'safety',
      settled: true,
    });
    assert.equal(v.majority, true);
    assert.deepEqual(ids(v.eligible), ['a', 'b']);
    assert.deepEqual(ids(v.stable), ['a', 'b']);
  });

  it('a minority places over the whole stable view, the unseen as if alive', () => {
    const v = quorum({
      stable: [m('a'), m('b'), m('c')],
      members: [m('a'), m('b', 'dead'), m('c', 'dead')],
      tie: 'availability',
      settled: true,
    });
    assert.equal(v.majority, false);
    assert.deepEqual(ids(v.eligible), ['a', 'b', 'c']);
    assert.ok(v.eligible.every((x) => x.status === 'alive'));
    assert.deepEqual(v.unseen, ['b', 'c']);
    assert.deepEqual(ids(v.stable), ['a', 'b', 'c'], 'a minority does not shrink the view');
  });

  it('a restarted node that sees only itself keeps the stable view (members reaped or not yet known)', () => {
    const v = quorum({
      stable: [m('a'), m('b'), m('c')],
      members: [m('a')],
      tie: 'availability',
      settled: true,
    });
    assert.equal(v.majority, false);
    assert.deepEqual(ids(v.eligible), ['a', 'b', 'c']);
  });

  it('a tie follows the rule: availability takes over, safety does not', () => {
    const input = { stable: [m('a'), m('b')], members: [m('a'), m('b', 'dead')] };
    assert.equal(quorum({ ...input, tie: 'availability', settled: true }).majority, true);
    assert.deepEqual(ids(quorum({ ...input, tie: 'availability', settled: true }).eligible), ['a']);
    assert.equal(quorum({ ...input, tie: 'safety', settled: true }).majority, false);
    assert.deepEqual(ids(quorum({ ...input, tie: 'safety', settled: true }).eligible), ['a', 'b']);
  });

  it('a member that left on purpose leaves the view at once, even for a minority', () => {
    const v = quorum({
      stable: [m('a'), m('b'), m('c')],
      members: [m('a'), m('b', 'left'), m('c', 'dead')],
      tie: 'safety',
      settled: true,
    });
    // b left: the view is {a, c}; a sees one of two, a tie that safety does not take.
    assert.equal(v.majority, false);
    assert.deepEqual(ids(v.eligible), ['a', 'c']);
  });

  it('a newly seen member joins the view; a suspect keeps its slots but is not counted towards a majority', () => {
    const v = quorum({
      stable: [m('a')],
      members: [m('a'), m('b', 'suspect')],
      tie: 'safety',
      settled: true,
    });
    // One of two confirmed alive: a tie, which safety does not take; b still holds its slots.
    assert.equal(v.majority, false);
    assert.deepEqual(ids(v.eligible), ['a', 'b']);
    assert.equal(v.eligible[1]!.status, 'suspect');
    const w = quorum({ stable: [m('a')], members: [m('a'), m('b')], tie: 'safety', settled: true });
    assert.equal(w.majority, true);
  });

  it('a cut-off node that loses its peers one at a time never sees a majority', () => {
    const stable = [m('a'), m('b'), m('c')];
    // c has declared a dead while b is still suspect, then b dead too.
    let v = quorum({
      stable,
      members: [m('a', 'dead'), m('b', 'suspect'), m('c')],
      tie: 'availability',
      settled: false,
    });
    assert.equal(v.majority, false);
    v = quorum({
      stable: v.stable,
      members: [m('a', 'dead'), m('b', 'dead'), m('c')],
      tie: 'availability',
      settled: true,
    });
    assert.equal(v.majority, false);
    assert.deepEqual(ids(v.eligible), ['a', 'b', 'c'], 'it keeps to its own slots');
  });

  it('a majority takes over at once but shrinks its view only once the members seen held still', () => {
    const stable = [m('a'), m('b'), m('c')];
    const members = [m('a'), m('b'), m('c', 'dead')];
    const early = quorum({ stable, members, tie: 'safety', settled: false });
    assert.equal(early.majority, true);
    assert.deepEqual(ids(early.eligible), ['a', 'b']);
    assert.deepEqual(ids(early.stable), ['a', 'b', 'c']);
    assert.deepEqual(ids(quorum({ stable, members, tie: 'safety', settled: true }).stable), ['a', 'b']);
  });

  it('sequential deaths shrink the view one majority at a time', () => {
    let stable = [m('a'), m('b'), m('c'), m('d'), m('e')];
    let v = quorum({
      stable,
      members: [m('a'), m('b'), m('c'), m('d', 'dead'), m('e', 'dead')],
      tie: 'safety',
      settled: true,
    });
    assert.equal(v.majority, true);
    stable = v.stable;
    v = quorum({ stable, members: [m('a'), m('b'), m('c', 'dead')], tie: 'safety', settled: true });
    assert.equal(v.majority, true);
    assert.deepEqual(ids(v.eligible), ['a', 'b']);
  });

  it('placement also lists the dead and departed members, so a death moves only their slots', async () => {
    const { place } = await import('../../../src/placement/index.js');
    const slots = Array.from({ length: 60 }, (_, i) => ({ project: 'p', service: 's', replica: i }));
    const all = ['a', 'b', 'c', 'd', 'e'].map((id) => m(id));
    const before = place(slots, all).assignment;
    const members = [m('a'), m('b'), m('c'), m('d'), m('e', 'dead')];
    const v = quorum({ stable: all, members, tie: 'safety', settled: true });
    assert.deepEqual(ids(v.eligible), ['a', 'b', 'c', 'd']);
    assert.deepEqual(ids(v.placement), ['a', 'b', 'c', 'd', 'e']);
    const after = place(slots, v.placement).assignment;
    for (const [slot, node] of before)
      if (node !== 'e') assert.equal(after.get(slot), node, `${slot} stayed on ${node}`);
      else assert.notEqual(after.get(slot), 'e');
  });
});
