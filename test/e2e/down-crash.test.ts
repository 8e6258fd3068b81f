/**
 * `fizz down -v` whose agent is killed with SIGKILL right after the containers went and
 * before the networks and volumes: the next agent finishes the journaled down. The kill is
 * real (the agent kills itself with SIGKILL at that point because FIZZ_TEST_CRASH_AT says
 * so); the restart is the ordinary one, a later command starting a new agent.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  containerIds,
  eventually,
  networkNames,
  processGone,
  SKIP_DOCKER,
  SKIP_REASON,
  sandbox,
  volumeNames,
} from './harness.js';

function journaled(home: string): string[] {
  try {
    const j = JSON.parse(readFileSync(join(home, 'downs.json'), 'utf8')) as {
      downs: Array<{ project: string }>;
    };
    return j.downs.map((d) => d.project);
  } catch {
    return [];
  }
}

test(`down -v interrupted by SIGKILL after the containers: the restarted agent removes networks and volumes${SKIP_DOCKER ? SKIP_REASON : ''}`, {
  skip: SKIP_DOCKER,
}, async () => {
  const sb = sandbox('dcrash');
  const p = sb.project;
  try {
    sb.compose(`services:
  app:
    image: fizz/busybox:latest
    command: ["sleep", "3600"]
    init: true
    networks: [front, back]
    volumes:
      - data:/data
networks:
  front: {}
  back: {}
volumes:
  data: {}
`);
    const crashAt = { FIZZ_TEST_CRASH_AT: 'down-after-containers' };
    const up = await sb.fizz(['up', '-d'], { env: crashAt });
    assert.equal(up.code, 0, up.stderr);
    assert.equal((await networkNames(p)).length, 2);
    assert.equal((await volumeNames(p)).length, 1);
    const pid = sb.agentPid()!;

    const down = await sb.fizz(['down', '-v'], { env: crashAt });
    assert.notEqual(down.code, 0, `the agent was meant to die during down: ${down.stderr}`);
    await processGone(pid);
    // What the crash left: containers gone, networks and the volume still there, the down journaled.
    assert.deepEqual(await containerIds(p), []);
    assert.equal((await networkNames(p)).length, 2);
    assert.equal((await volumeNames(p)).length, 1);
    assert.deepEqual(journaled(sb.home), [p]);

    // Any command starts a new agent (without the crash point); it finishes the down.
    const ps = await sb.fizz(['ps', '-p', p]);
    assert.equal(ps.code, 0, ps.stderr);
    assert.notEqual(sb.agentPid(), pid);
    await eventually(
      async () =>
        (await networkNames(p)).length === 0 &&
        (await volumeNames(p)).length === 0 &&
        journaled(sb.home).length === 0
          ? true
          : undefined,
      60_000,
      'the journaled down to finish',
    );
    assert.deepEqual(await containerIds(p), []);
    // And the project is gone from the state: a later down finds nothing.
    const again = await sb.fizz(['down', '-p', p]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /No resource found to remove/);
  } finally {
    await sb.cleanup();
  }
});
