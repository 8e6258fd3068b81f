/** depends_on conditions honoured on the real engine: a dependent starts only once its dependency is healthy. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containerIds, type Inspected, inspect, SKIP_DOCKER, SKIP_REASON, sandbox } from './harness.js';

test(`a service_healthy dependency is healthy before its dependent starts; one-shot completes first${SKIP_DOCKER ? SKIP_REASON : ''}`, {
  skip: SKIP_DOCKER,
}, async () => {
  const sb = sandbox('deps');
  try {
    sb.compose(`services:
  db:
    image: fizz/busybox:latest
    command: ["sh", "-c", "sleep 1; touch /tmp/ready; exec sleep 3600"]
    init: true
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 500ms
      timeout: 1s
      retries: 20
  migrate:
    image: fizz/busybox:latest
    command: ["sh", "-c", "sleep 1; echo migrated"]
    depends_on:
      db:
        condition: service_healthy
  app:
    image: fizz/busybox:latest
    command: ["sleep", "3600"]
    init: true
    depends_on:
      db:
        condition: service_healthy
      migrate:
        condition: service_completed_successfully
`);
    const up = await sb.fizz(['up', '-d']);
    assert.equal(up.code, 0, up.stderr);
    const byService = new Map<string, Inspected>();
    for (const id of await containerIds(sb.project)) {
      const c = await inspect(id);
      byService.set(c.Config.Labels['fizz.service'], c);
    }
    const db = byService.get('db')!;
    const migrate = byService.get('migrate')!;
    const app = byService.get('app')!;
    // The engine keeps only the last 5 health results, so the first passing one may be gone by
    // now: db cannot pass its check before its ready file exists, a second after it started.
    assert.equal(db.State.Health?.Status, 'healthy', 'db is not healthy');
    assert.ok(
      Date.parse(migrate.State.StartedAt) >= Date.parse(db.State.StartedAt) + 1000,
      'migrate started before db could be healthy',
    );
    assert.equal(migrate.State.ExitCode, 0);
    assert.ok(
      Date.parse(app.State.StartedAt) >= Date.parse(migrate.State.FinishedAt),
      'app started before migrate ended',
    );
    assert.equal(app.State.Running, true);
  } finally {
    await sb.cleanup();
  }
});
