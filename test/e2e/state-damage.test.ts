/**
 * A damaged state log never removes running containers (issue 10): the agent is stopped,
 * its state log emptied (or bytes overwritten mid-log), and the next command starts a new
 * agent. It keeps the project's container running, the command says so on stderr, and a
 * later `fizz up` makes the file the desired state again.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { containerIds, inspect, processGone, SKIP_DOCKER, SKIP_REASON, sandbox } from './harness.js';

const YAML = `services:
  app:
    image: fizz/busybox:latest
    command: ["sleep", "3600"]
    init: true
  side:
    image: fizz/busybox:latest
    command: ["sleep", "3600"]
    init: true
`;

for (const how of ['emptied', 'overwritten mid-log'] as const) {
  test(`state log ${how}: the restarted agent keeps the running containers and the CLI says so${SKIP_DOCKER ? SKIP_REASON : ''}`, {
    skip: SKIP_DOCKER,
  }, async () => {
    const sb = sandbox('dmg');
    try {
      sb.compose(YAML);
      const up = await sb.fizz(['up', '-d']);
      assert.equal(up.code, 0, up.stderr);
      // More records after the project's, so the damage below hits the middle of the log.
      const scale = await sb.fizz(['scale', 'side=2']);
      assert.equal(scale.code, 0, scale.stderr);
      const ids = await containerIds(sb.project);
      assert.equal(ids.length, 3);
      const pid = sb.agentPid()!;
      process.kill(pid, 'SIGTERM');
      await processGone(pid);

      const log = join(sb.home, 'state', 'state.log');
      if (how === 'emptied') writeFileSync(log, '');
      else {
        const bytes = readFileSync(log);
        for (let i = 0; i < 16; i++) bytes[12 + i] = (i * 53 + 7) & 0xff;
        writeFileSync(log, bytes);
      }

      const ps = await sb.fizz(['ps']);
      assert.equal(ps.code, 0, ps.stderr);
      assert.match(ps.stderr, /warning: the agent's state is damaged: .*state\.log/);
      // Several passes later (one every 2 s) nothing was removed, recreated or stopped.
      await new Promise((r) => setTimeout(r, 5000));
      assert.deepEqual(await containerIds(sb.project), ids);
      for (const id of ids) assert.equal((await inspect(id)).State.Running, true);
      const again = await sb.fizz(['ps']);
      assert.match(again.stderr, new RegExp(`project "${sb.project}"`));

      // `up` is the user's word again: the same containers are adopted, none recreated.
      const up2 = await sb.fizz(['up', '-d']);
      assert.equal(up2.code, 0, up2.stderr);
      const after = await containerIds(sb.project);
      assert.ok(ids.filter((id) => after.includes(id)).length >= 2, 'up adopted the running containers');
      const quiet = await sb.fizz(['ps']);
      assert.doesNotMatch(quiet.stderr, /warning/);
      const down = await sb.fizz(['down']);
      assert.equal(down.code, 0, down.stderr);
      assert.deepEqual(await containerIds(sb.project), []);
    } finally {
      await sb.cleanup();
    }
  });
}
