/**
 * The agent's metrics over stand-in sources: counters read from SWIM and the network go on
 * (never back) when a join or leave replaces the node, members are counted by state, passes
 * and engine calls are recorded, and the output passes the strict reader.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterNode } from '../../../src/agent/membership/cluster-node.js';
import { FizzMetrics } from '../../../src/agent/metrics/fizz-metrics.js';
import { parseExposition, sampleValue } from './prom-parse.js';

/** Just the totals the metrics read, as a fresh node starts them. */
function node(probes: number, published: number): ClusterNode {
  return {
    swim: {
      stats: {
        probes,
        probesFailed: 0,
        suspicions: 0,
        suspicionsRefuted: 0,
        refutations: 0,
        sent: { probeBytes: 0, gossipBytes: 0, pushPullBytes: 0 },
        dropped: { auth: 1, cluster: 0, version: 0, decode: 0 },
      },
    },
    transport: {
      stats: {
        dropped: { oversizeFrame: 0, truncatedFrame: 0, timeout: 0, emptyPacket: 0, oversizePacket: 0 },
      },
    },
    net: {
      metrics: {
        published,
        publishedBytes: 0,
        messagesReceived: 0,
        receivedBytes: 0,
        droppedInvalid: 0,
        framesRefused: 0,
        syncsOk: 0,
        syncsFailed: 0,
        syncsRefused: 0,
        syncBytesSent: 0,
        syncBytesReceived: 0,
      },
    },
  } as unknown as ClusterNode;
}

test('counters carry across a replaced cluster node; members, passes and engine calls', async () => {
  let current: ClusterNode | undefined = node(5, 2);
  let ms = 0;
  const m = new FizzMetrics({
    version: '9.9.9',
    nodes: () => [{ state: 'alive' }, { state: 'alive' }, { state: 'suspect' }],
    clusterNode: () => current,
    documentBytes: () => 1234,
    elapsedMs: () => ms,
  });
  const scrape = () => parseExposition(m.registry.render());
  let f = scrape();
  assert.equal(sampleValue(f, 'fizz_swim_probes_total'), 5);
  assert.equal(sampleValue(f, 'fizz_state_updates_sent_total'), 2);
  assert.equal(sampleValue(f, 'fizz_swim_messages_dropped_total', { reason: 'auth' }), 1);
  assert.equal(sampleValue(f, 'fizz_members', { state: 'alive' }), 2);
  assert.equal(sampleValue(f, 'fizz_members', { state: 'suspect' }), 1);
  assert.equal(sampleValue(f, 'fizz_members', { state: 'dead' }), 0);
  assert.equal(sampleValue(f, 'fizz_state_document_bytes'), 1234);

  (current.swim.stats as { probes: number }).probes = 8;
  current = undefined; // left the cluster: the totals stay
  f = scrape();
  assert.equal(sampleValue(f, 'fizz_swim_probes_total'), 8);
  current = node(3, 1); // joined again: a fresh node counts from 0
  f = scrape();
  assert.equal(sampleValue(f, 'fizz_swim_probes_total'), 11);
  assert.equal(sampleValue(f, 'fizz_state_updates_sent_total'), 3);
  assert.equal(sampleValue(f, 'fizz_swim_messages_dropped_total', { reason: 'auth' }), 2);

  m.onPass({ ms: 30, actions: [{ kind: 'create' }, { kind: 'create' }, { kind: 'stop' }], pending: 2 });
  const engine = m.timed({
    list: async () => {
      ms += 20;
      return [];
    },
    start: async () => {
      ms += 1;
      throw new Error('no such container');
    },
    logs: () => 'not a promise',
  });
  await engine.list();
  await assert.rejects(engine.start(), /no such container/);
  assert.equal(engine.logs(), 'not a promise');
  f = scrape();
  assert.equal(sampleValue(f, 'fizz_reconcile_passes_total'), 1);
  assert.equal(sampleValue(f, 'fizz_reconcile_actions_total', { kind: 'create' }), 2);
  assert.equal(sampleValue(f, 'fizz_reconcile_pending_slots'), 2);
  assert.equal(sampleValue(f, 'fizz_reconcile_pass_duration_seconds_bucket', { le: '0.025' }), 0);
  assert.equal(sampleValue(f, 'fizz_reconcile_pass_duration_seconds_bucket', { le: '0.05' }), 1);
  assert.equal(sampleValue(f, 'fizz_engine_call_duration_seconds_sum', { method: 'list' }), 0.02);
  assert.equal(sampleValue(f, 'fizz_engine_call_duration_seconds_count', { method: 'start' }), 1);
  assert.equal(sampleValue(f, 'fizz_engine_call_failures_total', { method: 'start' }), 1);
  assert.equal(sampleValue(f, 'fizz_engine_call_failures_total', { method: 'list' }), undefined);
  assert.equal(sampleValue(f, 'fizz_engine_call_duration_seconds_count', { method: 'logs' }), undefined);
  assert.equal(sampleValue(f, 'fizz_info', { version: '9.9.9' }), 1);
});
