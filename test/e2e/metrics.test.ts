/**
 * A real agent (started by `fizz up` in the background, FIZZ_METRICS set) serves Prometheus
 * metrics that a strict reader accepts and that move with what the agent did; every JSON
 * line of its agent.log names the node. A bad address stops the agent with a clear error.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseExposition, sampleValue } from '../agent/metrics/prom-parse.js';
import { eventually, SKIP_DOCKER, SKIP_REASON, sandbox } from './harness.js';

/** A loopback port nobody listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe(`agent metrics and logs${SKIP_DOCKER ? SKIP_REASON : ''}`, { skip: SKIP_DOCKER }, () => {
  it('serves /metrics after an up, with counters that moved, and names the node on every log line', async () => {
    const sb = sandbox('metrics');
    try {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}/metrics`;
      sb.compose(`services:
  app:
    image: fizz/busybox:latest
    command: ["sleep", "3600"]
    init: true
    deploy:
      replicas: 2
`);
      const up = await sb.fizz(['up', '-d'], { env: { FIZZ_METRICS: `127.0.0.1:${port}` } });
      assert.equal(up.code, 0, up.stderr);

      const res = await fetch(url);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
      const f = parseExposition(await res.text());
      const v = (name: string, labels?: Record<string, string>) => sampleValue(f, name, labels) ?? 0;
      assert.ok(v('fizz_reconcile_passes_total') > 0, 'no reconcile pass counted');
      assert.ok(v('fizz_reconcile_pass_duration_seconds_count') > 0, 'no pass duration observed');
      assert.ok(v('fizz_reconcile_actions_total', { kind: 'create' }) >= 2, 'the 2 creates not counted');
      assert.equal(v('fizz_reconcile_pending_slots'), 0);
      assert.ok(v('fizz_engine_call_duration_seconds_count', { method: 'create' }) >= 2);
      assert.ok(v('fizz_engine_call_duration_seconds_count', { method: 'list' }) > 0);
      assert.equal(v('fizz_members', { state: 'alive' }), 1);
      assert.equal(v('fizz_members', { state: 'dead' }), 0);
      assert.ok(v('fizz_state_document_bytes') > 100, 'document size not reported');
      assert.equal(f.get('fizz_info')?.samples.length, 1);

      // Counters only go up: a later scrape after another pass is at least as high.
      const passes = v('fizz_reconcile_passes_total');
      const ps = await sb.fizz(['ps']);
      assert.equal(ps.code, 0, ps.stderr);
      const later = await eventually(
        async () => {
          const g = parseExposition(await (await fetch(url)).text());
          const n = sampleValue(g, 'fizz_reconcile_passes_total') ?? 0;
          return n > passes ? n : undefined;
        },
        20_000,
        'another reconcile pass (the tick)',
      );
      assert.ok(later > passes);

      assert.equal((await fetch(`http://127.0.0.1:${port}/other`)).status, 404);

      const lines = readFileSync(join(sb.home, 'agent.log'), 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('{'));
      assert.ok(lines.length >= 3, `only ${lines.length} JSON lines in agent.log`);
      const name = hostname().split('.')[0];
      for (const l of lines) assert.equal(JSON.parse(l).nodeName, name, `no node name on: ${l}`);
      assert.ok(lines.some((l) => JSON.parse(l).msg === 'metrics served'));
    } finally {
      await sb.cleanup();
    }
  });

  it('a bad metrics address stops the agent with an error that says what is wanted', async () => {
    const sb = sandbox('metrics-bad');
    try {
      sb.compose('services:\n  app:\n    image: fizz/busybox:latest\n');
      const up = await sb.fizz(['up', '-d'], { env: { FIZZ_METRICS: 'localhost:9323' } });
      assert.notEqual(up.code, 0);
      assert.match(up.stderr, /metrics address "localhost:9323": expected IP:PORT/);
    } finally {
      await sb.cleanup();
    }
  });
});
