/**
 * `fizz up` attached, a container that ignores SIGTERM with a long stop_grace_period: the
 * first Ctrl+C starts the graceful stop, the second kills it at once (exit status 130).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  containerIds,
  eventually,
  inspect,
  SKIP_DOCKER,
  SKIP_REASON,
  sandbox,
  spawnFizz,
} from './harness.js';

test(`fizz up attached: a second Ctrl+C kills what the first is stopping${SKIP_DOCKER ? SKIP_REASON : ''}`, {
  skip: SKIP_DOCKER,
}, async () => {
  const sb = sandbox('upint');
  try {
    sb.compose(`services:
  stubborn:
    image: fizz/busybox:latest
    command: ["sh", "-c", "trap '' TERM; echo ready; while true; do sleep 1; done"]
    stop_grace_period: 120s
`);
    const up = spawnFizz(sb, ['up']);
    await eventually(async () => (up.out().includes('ready') ? true : undefined), 60_000, 'the log line');
    up.child.kill('SIGINT');
    await eventually(
      async () => (up.err().includes('Gracefully stopping') ? true : undefined),
      10_000,
      'the graceful stop',
    );
    const second = Date.now();
    up.child.kill('SIGINT');
    assert.equal(await up.exited, 130, up.err());
    // Far sooner than the 120 s the graceful stop would have waited.
    assert.ok(Date.now() - second < 30_000, `took ${Date.now() - second} ms`);
    assert.match(up.err(), /Killing the containers/);
    const [id] = await containerIds(sb.project);
    const state = (await inspect(id!)).State;
    assert.equal(state.Running, false);
    assert.equal(state.ExitCode, 137, 'killed, not stopped');
  } finally {
    await sb.cleanup();
  }
});
