/**
 * `fizz ps` as docker compose users expect it (columns, --services, --status, --filter,
 * JSON with the replica) and `fizz restart -t`, against the real engine.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  containerIds,
  eventually,
  inspect,
  type PsJson,
  SKIP_DOCKER,
  SKIP_REASON,
  sandbox,
} from './harness.js';

test(`ps columns and filters, restart -t${SKIP_DOCKER ? SKIP_REASON : ''}`, {
  skip: SKIP_DOCKER,
}, async () => {
  const sb = sandbox('ps');
  const p = sb.project;
  try {
    sb.compose(`services:
  web:
    image: fizz/busybox:latest
    command: ["sleep", "3600"]
    init: true
    deploy:
      replicas: 2
  job:
    image: fizz/busybox:latest
    command: ["sh", "-c", "echo done"]
    restart: "no"
`);
    const up = await sb.fizz(['up', '-d']);
    assert.equal(up.code, 0, up.stderr);
    await eventually(
      async () => {
        const r = await sb.fizz(['ps', '--status', 'exited', '--format', 'json']);
        const rows = JSON.parse(r.stdout || '[]') as PsJson[];
        return rows.length === 1 ? true : undefined;
      },
      30_000,
      'the job to exit',
    );

    const table = await sb.fizz(['ps']);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^NAME +IMAGE +COMMAND +SERVICE +CREATED +STATUS +PORTS$/);
    assert.equal(lines.length, 3, table.stdout); // the exited job is not shown without -a
    for (const [i, line] of lines.slice(1).entries())
      assert.match(
        line,
        new RegExp(`^${p}-web-${i + 1} +fizz/busybox:latest +"sleep 3600" +web +.+ ago +Up `),
      );

    const all = await sb.fizz(['ps', '-a', '--services']);
    assert.equal(all.stdout, 'job\nweb\n');
    assert.equal((await sb.fizz(['ps', '--services'])).stdout, 'web\n');
    const exited = await sb.fizz(['ps', '--filter', 'status=exited']);
    assert.match(exited.stdout, new RegExp(`^${p}-job-1 .* Exited \\(0\\) `, 'm'));
    assert.doesNotMatch(exited.stdout, /-web-/);
    const both = await sb.fizz(['ps', '-q', '--status', 'running', '--status', 'exited']);
    assert.equal(both.stdout.trim().split('\n').length, 3);
    const bad = await sb.fizz(['ps', '--status', 'sleeping']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stdout + bad.stderr, /invalid status "sleeping"/);

    const json = JSON.parse((await sb.fizz(['ps', '--format', 'json', 'web'])).stdout) as PsJson[];
    assert.deepEqual(
      json.map((r) => [r.Service, r.Replica, r.State, r.Command]),
      [
        ['web', 1, 'running', '"sleep 3600"'],
        ['web', 2, 'running', '"sleep 3600"'],
      ],
    );
    assert.ok(json.every((r) => r.Status.startsWith('Up ')));

    // restart -t: the same containers, started again.
    const before = await containerIds(p);
    const started = await Promise.all(json.map(async (r) => (await inspect(r.ID)).State.StartedAt));
    const restart = await sb.fizz(['restart', '-t', '1', 'web']);
    assert.equal(restart.code, 0, restart.stderr);
    assert.match(restart.stderr, /Restart/);
    assert.deepEqual(await containerIds(p), before);
    for (const [i, r] of json.entries()) {
      const now = await inspect(r.ID);
      assert.equal(now.State.Running, true);
      assert.notEqual(now.State.StartedAt, started[i], `${r.Name} was not restarted`);
    }
    const badT = await sb.fizz(['restart', '-t', 'soon']);
    assert.notEqual(badT.code, 0);
    assert.match(badT.stdout + badT.stderr, /--timeout wants a whole number of seconds/);
  } finally {
    await sb.cleanup();
  }
});
