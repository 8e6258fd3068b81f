/** A container whose healthcheck reports unhealthy is restarted by the agent (Docker alone would not). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containerIds, eventually, inspect, SKIP_DOCKER, SKIP_REASON, sandbox } from './harness.js';

test(`an unhealthy container is restarted by the agent${SKIP_DOCKER ? SKIP_REASON : ''}`, {
  skip: SKIP_DOCKER,
}, async () => {
  const sb = sandbox('sick');
  try {
    sb.compose(`services:
  sick:
    image: fizz/busybox:latest
    command: ["sleep", "3600"]
    init: true
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/never"]
      interval: 500ms
      timeout: 1s
      retries: 1
`);
    const up = await sb.fizz(['up', '-d']);
    assert.equal(up.code, 0, up.stderr);
    const [id] = await containerIds(sb.project);
    const firstStart = (await inspect(id!)).State.StartedAt as string;
    await eventually(
      async () => {
        const c = await inspect(id!);
        return c.State.StartedAt !== firstStart ? true : undefined;
      },
      30_000,
      'the agent to restart the unhealthy container',
    );
    // Restarted in place: the same container, no twin.
    assert.deepEqual(await containerIds(sb.project), [id]);
  } finally {
    await sb.cleanup();
  }
});
