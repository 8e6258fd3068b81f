import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeStatus } from '../../../crdt/index.js';
import { drainBeforeReplace, keptForHandoff } from '../../../src/agent/handoff.js';
import { LABEL } from '../../../src/reconcile/labels.js';
import { plan } from '../../../src/reconcile/plan.js';
import type { Action } from '../../../src/reconcile/types.js';
import type { ContainerInfo } from '../../../src/runtime/types.js';
import { container, desired, service } from '../../reconcile/fixtures.js';

const mine = (id: string, svc: string, replica: number, hash = 'h1') =>
  container(id, 'p', svc, replica, hash, {
    labels: {
      [LABEL.project]: 'p',
      [LABEL.service]: svc,
      [LABEL.slot]: String(replica),
      [LABEL.specHash]: hash,
      [LABEL.node]: 'n1',
    },
  });

function status(
  entries: Array<{ svc: string; replica: number; state?: string; health?: string; hash?: string }>,
): NodeStatus {
  return {
    images: [],
    updatedAt: 0,
    containers: entries.map((e, i) => ({
      id: `r${i}`,
      project: 'p',
      service: e.svc,
      replica: e.replica,
      state: e.state ?? 'running',
      health: e.health ?? 'none',
      specHash: e.hash ?? 'h1',
    })),
  };
}

function input(
  statuses: Map<string, NodeStatus>,
  since = new Map<string, number>(),
  now = 1000,
  spec = service(),
) {
  const d = desired('p', 'web', 0, 'h1', true, spec);
  return {
    nodeId: 'n1',
    actual: [mine('c0', 'web', 0)],
    desired: new Map([['p/web/0', d]]),
    assignment: new Map([['p/web/0', 'n2']]),
    statuses,
    since,
    now,
    timeoutMs: 60_000,
  };
}

describe('make-before-break: the old owner keeps a moving replica until the new one runs', () => {
  it('kept while the new owner reports nothing, released once it reports the replica running at the spec', () => {
    assert.deepEqual([...keptForHandoff(input(new Map()))], ['p/web/0']);
    assert.deepEqual(
      [...keptForHandoff(input(new Map([['n2', status([{ svc: 'web', replica: 0, state: 'created' }])]])))],
      ['p/web/0'],
    );
    assert.deepEqual(
      [...keptForHandoff(input(new Map([['n2', status([{ svc: 'web', replica: 0, hash: 'old' }])]])))],
      ['p/web/0'],
      'a replica at another spec is not the new copy',
    );
    assert.deepEqual([...keptForHandoff(input(new Map([['n2', status([{ svc: 'web', replica: 0 }])]])))], []);
  });

  it('with a healthcheck the new copy must be healthy', () => {
    const spec = service({ healthcheck: { test: ['CMD', 'true'] } } as never);
    const starting = new Map([['n2', status([{ svc: 'web', replica: 0, health: 'starting' }])]]);
    assert.equal(keptForHandoff(input(starting, new Map(), 1000, spec)).size, 1);
    const healthy = new Map([['n2', status([{ svc: 'web', replica: 0, health: 'healthy' }])]]);
    assert.equal(keptForHandoff(input(healthy, new Map(), 1000, spec)).size, 0);
  });

  it('gives up after the timeout, counted from when the move was first seen', () => {
    const since = new Map<string, number>();
    assert.equal(keptForHandoff(input(new Map(), since, 1000)).size, 1);
    assert.equal(since.get('p/web/0'), 1000);
    assert.equal(keptForHandoff(input(new Map(), since, 60_999)).size, 1);
    assert.equal(keptForHandoff(input(new Map(), since, 61_000)).size, 0);
  });

  it('forgets slots that stopped moving', () => {
    const since = new Map([
      ['p/web/0', 5],
      ['p/old/3', 1],
    ]);
    keptForHandoff(input(new Map(), since));
    assert.deepEqual([...since.keys()], ['p/web/0']);
  });

  it('once released it drains: kept and reported draining for drain.ms, then let go; a slot that stops moving is forgotten', () => {
    const since = new Map<string, number>();
    const drain = { ms: 2000, released: new Map<string, number>(), draining: new Set<string>() };
    const runs = new Map([['n2', status([{ svc: 'web', replica: 0 }])]]);
    const at = (now: number, statuses = runs) => [
      ...keptForHandoff({ ...input(statuses, since, now), drain }),
    ];
    assert.deepEqual(at(1000, new Map()), ['p/web/0'], 'held: the new owner runs nothing yet');
    assert.deepEqual([...drain.draining], [], 'not draining while held: it still takes connections');
    assert.deepEqual(at(1500), ['p/web/0'], 'the new copy runs: draining starts');
    assert.deepEqual([...drain.draining], ['p/web/0']);
    assert.deepEqual(
      at(3499, new Map()),
      ['p/web/0'],
      'a drain once begun goes on, whatever the status says',
    );
    assert.deepEqual([...drain.draining], ['p/web/0']);
    assert.deepEqual(at(3500), [], 'drained: the container may stop');
    assert.deepEqual([...drain.draining], []);
    keptForHandoff({ ...input(new Map(), since), actual: [], drain });
    assert.equal(drain.released.size, 0);
    assert.equal(since.size, 0);
  });

  it('a replica scaled away drains in a cluster while its service keeps others; not when the service goes, nor outside a cluster', () => {
    const drain = { ms: 2000, released: new Map<string, number>(), draining: new Set<string>() };
    const base = input(new Map());
    // web/1 is no longer desired (scaled to 1); web/0 still runs, on this node.
    const scaled = (now: number, o: { drainScaledAway?: boolean; running?: boolean } = {}) => [
      ...keptForHandoff({
        ...base,
        now,
        actual: [mine('c0', 'web', 0), mine('c1', 'web', 1)],
        desired: new Map([['p/web/0', desired('p', 'web', 0, 'h1', o.running ?? true, service())]]),
        assignment: new Map([['p/web/0', 'n1']]),
        drain,
        drainScaledAway: o.drainScaledAway ?? true,
      }),
    ];
    assert.deepEqual(scaled(1000), ['p/web/1'], 'kept: it drains');
    assert.deepEqual([...drain.draining], ['p/web/1'], 'reported draining');
    assert.deepEqual(scaled(2999), ['p/web/1']);
    assert.deepEqual(scaled(3000), [], 'drained: it may stop');
    assert.deepEqual([...drain.draining], []);
    drain.released.clear();
    assert.deepEqual(scaled(5000, { drainScaledAway: false }), [], 'outside a cluster: no drain');
    assert.deepEqual(
      scaled(5000, { running: false }),
      [],
      'the service stops: nothing to send connections to instead',
    );
    assert.equal(drain.released.size, 0);
  });

  it('a fixed host port cannot be made before broken: a swap releases at once, and the incoming slot waits for the drain', () => {
    // n1 runs web/0 on :8080, n2 runs web/1 on :8080; placement swaps them. Held both ways,
    // each would wait for the other forever.
    const spec = service({ ports: [{ mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' }] });
    const drain = { ms: 2000, released: new Map<string, number>(), draining: new Set<string>() };
    const since = new Map<string, number>();
    const blocked = new Set<string>();
    const at = (now: number, actual = [mine('c0', 'web', 0)]) => [
      ...keptForHandoff({
        nodeId: 'n1',
        actual,
        desired: new Map([
          ['p/web/0', desired('p', 'web', 0, 'h1', true, spec)],
          ['p/web/1', desired('p', 'web', 1, 'h1', true, spec)],
        ]),
        assignment: new Map([
          ['p/web/0', 'n2'],
          ['p/web/1', 'n1'],
        ]),
        statuses: new Map([['n2', status([{ svc: 'web', replica: 1 }])]]),
        since,
        now,
        timeoutMs: 60_000,
        drain,
        blocked,
      }),
    ];
    assert.deepEqual(at(1000), ['p/web/0'], 'kept, but only to drain');
    assert.deepEqual([...drain.draining], ['p/web/0']);
    assert.deepEqual([...blocked], ['p/web/1'], 'web/1 may not start while web/0 holds :8080');
    assert.deepEqual(at(2999), ['p/web/0']);
    assert.deepEqual(at(3000), [], 'drained: it stops');
    assert.deepEqual([...blocked], [], 'and web/1 may start in the same pass (removals go first)');
    assert.deepEqual(at(3100, []), []);
    assert.deepEqual([...blocked], []);
  });

  it('a move that needs no port of a leaving replica is still make-before-break', () => {
    const spec = service({ ports: [{ mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' }] });
    const other = service({ ports: [{ mode: 'ingress', target: 80, published: '9090', protocol: 'udp' }] });
    const blocked = new Set<string>();
    const kept = keptForHandoff({
      nodeId: 'n1',
      actual: [mine('c0', 'web', 0)],
      desired: new Map([
        ['p/web/0', desired('p', 'web', 0, 'h1', true, spec)],
        ['p/dns/0', desired('p', 'dns', 0, 'h1', true, other)],
      ]),
      assignment: new Map([
        ['p/web/0', 'n2'],
        ['p/dns/0', 'n1'],
      ]),
      statuses: new Map(),
      since: new Map(),
      now: 1000,
      timeoutMs: 60_000,
      drain: { ms: 2000, released: new Map(), draining: new Set() },
      blocked,
    });
    assert.deepEqual([...kept], ['p/web/0'], 'held until n2 runs it');
    assert.deepEqual([...blocked], []);
  });

  it('plan leaves a kept container alone and removes it once released', () => {
    const c = mine('c0', 'web', 0);
    const base = { owned: [], actual: [c], projects: new Set(['p']) };
    assert.deepEqual(plan({ ...base, keep: new Set(['p/web/0']) }), []);
    assert.deepEqual(
      plan(base).map((a) => a.kind),
      ['remove'],
    );
  });
});

describe('a running replica replaced in place drains first, in a cluster', () => {
  const recreate = (replica: number, state: ContainerInfo['state'] = 'running'): Action => ({
    kind: 'recreate' as const,
    slot: desired('p', 'web', replica, 'h2'),
    container: { ...mine(`c${replica}`, 'web', replica), state },
    reason: 'spec changed',
  });
  const two = [desired('p', 'web', 0, 'h2'), desired('p', 'web', 1, 'h2')];

  it('its recreate waits the drain, marked draining; then it runs; one of a single replica or a stopped one does not wait', () => {
    const state = { since: new Map<string, number>(), draining: new Set<string>() };
    const at = (now: number, actions = [recreate(0)], slots = two, ms = 2000) => {
      state.draining.clear();
      return drainBeforeReplace(actions, slots, now, ms, state);
    };
    assert.deepEqual(at(1000), { actions: [], waitMs: 2000 });
    assert.deepEqual([...state.draining], ['p/web/0']);
    assert.deepEqual(at(2500), { actions: [], waitMs: 500 });
    const done = at(3000);
    assert.equal(done.actions.length, 1, 'drained: the recreate runs');
    assert.equal(done.waitMs, undefined);
    assert.deepEqual([...state.draining], []);
    at(3100, []);
    assert.equal(state.since.size, 0, 'a slot no longer replaced is forgotten');
    assert.equal(
      at(4000, [recreate(0)], [two[0]!]).actions.length,
      1,
      'the only replica: nothing to send connections to instead',
    );
    assert.equal(at(4000, [recreate(1, 'exited')]).actions.length, 1, 'not running: nothing to drain');
    assert.equal(at(4000, [recreate(0)], two, 0).actions.length, 1, 'outside a cluster (ms 0): no drain');
    const allAtOnce = service({ deploy: { update_config: { parallelism: 0 } } } as never);
    const both = [
      desired('p', 'web', 0, 'h2', true, allAtOnce),
      desired('p', 'web', 1, 'h2', true, allAtOnce),
    ];
    const whole = { ...recreate(0), slot: both[0]! } as Action;
    assert.equal(at(4000, [whole], both).actions.length, 1, 'parallelism 0: all go at once, no drain');
  });
});
