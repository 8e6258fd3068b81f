/** An agent killed with SIGKILL and started again adopts the running containers: no twins. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { containerIds, processGone, SKIP_DOCKER, SKIP_REASON, sandbox } from './harness.js';

test(`agent killed with SIGKILL, restarted: same containers, no twins, state kept${SKIP_DOCKER ? SKIP_REASON : ''}`, {
  skip: SKIP_DOCKER,
}, async () => {
  const sb = sandbox('kill');
  try {
    sb.compose(`services:
  worker:
    image: fizz/busybox:latest
    command: ["sleep", "3600"]
    init: true
    deploy:
      replicas: 2
`);
    const up = await sb.fizz(['up', '-d']);
    assert.equal(up.code, 0, up.stderr);
    const before = await containerIds(sb.project);
    assert.equal(before.length, 2);
    const pid = sb.agentPid()!;
    process.kill(pid, 'SIGKILL');
    await processGone(pid);

    // Any command starts a new agent; its first pass adopts what runs.
    const ps = await sb.fizz(['ps', '--format', 'json']);
    assert.equal(ps.code, 0, ps.stderr);
    assert.notEqual(sb.agentPid(), pid);
    assert.equal((JSON.parse(ps.stdout) as unknown[]).length, 2);
    // Give the new agent's loop a few passes to (wrongly) start twins, then check none came.
    const again = await sb.fizz(['up', '-d']);
    assert.equal(again.code, 0, again.stderr);
    await new Promise((r) => setTimeout(r, 2500));
    assert.deepEqual(await containerIds(sb.project), before);
    // The desired state survived the kill: down still knows the project.
    const down = await sb.fizz(['down', '-p', sb.project]);
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(await containerIds(sb.project), []);
  } finally {
    await sb.cleanup();
  }
});
