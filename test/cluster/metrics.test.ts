/**
 * Metrics and logs on 2 real hosts: each agent (FIZZ_METRICS set) serves /metrics on its own
 * namespace's address; both see 2 alive members, SWIM probes and state replication move, and
 * every JSON line of each agent.log carries a node name (the host's own once it joined).
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseExposition, sampleValue } from '../agent/metrics/prom-parse.js';
import { SKIP_DOCKER, SKIP_REASON } from '../e2e/harness.js';
import { fizzOn, until } from './drive.js';
import { Cluster } from './harness.js';

const NOT_ROOT = process.getuid?.() !== 0;
const REASON = SKIP_DOCKER
  ? SKIP_REASON
  : NOT_ROOT
    ? ' (skipped: needs root for namespaces and dockerd)'
    : '';
const DIR = '/tmp/fizz-metrics-test';
const PORT = 9323;

test(`metrics on 2 hosts: members alive, probes and replication counted, node names in the logs${REASON}`, {
  skip: SKIP_DOCKER || NOT_ROOT,
  timeout: 240_000,
}, async (t) => {
  // 0.0.0.0 inside each host's namespace: its loopback and its own address only.
  const cluster = new Cluster({
    name: 'mt',
    subnet: '10.244.0',
    agentEnv: { FIZZ_METRICS: `0.0.0.0:${PORT}` },
  });
  t.after(() => cluster.down());
  await cluster.down();
  mkdirSync(DIR, { recursive: true });
  await cluster.up(2, { join: true });
  const fizz = fizzOn(cluster, DIR);
  const scrape = async (host: string) => {
    const res = await fetch(`http://${cluster.host(host).address}:${PORT}/metrics`);
    assert.equal(res.status, 200);
    return parseExposition(await res.text());
  };

  writeFileSync(
    `${DIR}/compose.yaml`,
    'name: mtest\nservices:\n  app:\n    image: fizz/busybox:latest\n    command: ["sleep", "3600"]\n    init: true\n    deploy:\n      replicas: 2\n',
  );
  await fizz('h1', ['up', '-d']);

  let last = '';
  await until(
    'both hosts count 2 alive members, probes, and the update replicated',
    async () => {
      const [m1, m2] = [await scrape('h1'), await scrape('h2')];
      const v = (f: typeof m1, name: string, labels?: Record<string, string>) =>
        sampleValue(f, name, labels) ?? 0;
      const seen = {
        alive: [v(m1, 'fizz_members', { state: 'alive' }), v(m2, 'fizz_members', { state: 'alive' })],
        probes: [v(m1, 'fizz_swim_probes_total'), v(m2, 'fizz_swim_probes_total')],
        sent: v(m1, 'fizz_state_updates_sent_total'),
        received:
          v(m2, 'fizz_state_updates_received_total') +
          v(m2, 'fizz_state_sync_rounds_total', { result: 'ok' }),
        passes: [v(m1, 'fizz_reconcile_passes_total'), v(m2, 'fizz_reconcile_passes_total')],
        creates:
          v(m1, 'fizz_reconcile_actions_total', { kind: 'create' }) +
          v(m2, 'fizz_reconcile_actions_total', { kind: 'create' }),
        docs: [v(m1, 'fizz_state_document_bytes'), v(m2, 'fizz_state_document_bytes')],
      };
      last = JSON.stringify(seen);
      return (
        seen.alive.every((n) => n === 2) &&
        seen.probes.every((n) => n > 0) &&
        seen.sent > 0 &&
        seen.received > 0 &&
        seen.passes.every((n) => n > 0) &&
        seen.creates >= 2 &&
        seen.docs.every((n) => n > 0)
      );
    },
    60_000,
  ).catch((err) => assert.fail(`${(err as Error).message}: ${last}`));

  for (const h of ['h1', 'h2']) {
    const lines = readFileSync(`${cluster.dir}/${h}/agent.log`, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { nodeName?: string; msg?: string });
    assert.ok(lines.length > 5, `${h}: only ${lines.length} JSON lines`);
    for (const l of lines)
      assert.ok(
        typeof l.nodeName === 'string' && l.nodeName.length > 0,
        `${h}: no node on ${JSON.stringify(l)}`,
      );
    // From the join on, the host's own name.
    const from = lines.findIndex(
      (l) => l.msg === 'cluster created' || l.msg === 'joined the cluster' || l.msg === 'member',
    );
    assert.ok(from >= 0, `${h}: no cluster line`);
    const after = lines.slice(from).filter((l) => l.nodeName !== h);
    assert.deepEqual(after, [], `${h}: lines after the join under another name`);
  }
});
