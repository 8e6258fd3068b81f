/** `fizz up` without -d follows the logs; Ctrl+C (SIGINT) stops the project's containers. */
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

test(`fizz up attached: prefixed logs, then SIGINT stops the containers${SKIP_DOCKER ? SKIP_REASON : ''}`, {
  skip: SKIP_DOCKER,
}, async () => {
  const sb = sandbox('attach');
  try {
    sb.compose(`services:
  talker:
    image: fizz/busybox:latest
    command: ["sh", "-c", "echo hello attached; exec sleep 3600"]
    init: true
`);
    const attached = spawnFizz(sb, ['up']);
    await eventually(
      async () => (attached.out().includes('hello attached') ? true : undefined),
      60_000,
      'the log line',
    );
    assert.match(attached.out(), /^talker-1 \| hello attached$/m);
    attached.child.kill('SIGINT');
    assert.equal(await attached.exited, 0, attached.err());
    assert.match(attached.err(), /Gracefully stopping/);
    const [id] = await containerIds(sb.project);
    assert.equal((await inspect(id!)).State.Running, false);
  } finally {
    await sb.cleanup();
  }
});
