/**
 * `up --force-recreate` whose agent is killed with SIGKILL at the first container `die`
 * (watched on the engine's event stream): the next agent finishes the journaled operation,
 * so every service runs again without another `up` (issue 10).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import {
  containerIds,
  eventually,
  inspect,
  processGone,
  SKIP_DOCKER,
  SKIP_REASON,
  sandbox,
} from './harness.js';

const SLEEPER = `    image: fizz/busybox:latest
    command: ["sleep", "3600"]
    init: true
`;

test(`up --force-recreate killed at the first die: the restarted agent recreates and starts every service${SKIP_DOCKER ? SKIP_REASON : ''}`, {
  skip: SKIP_DOCKER,
}, async () => {
  const sb = sandbox('rcrash');
  const events = spawn('docker', [
    'events',
    '--filter',
    `label=fizz.project=${sb.project}`,
    '--filter',
    'event=die',
    '--format',
    '{{.ID}}',
  ]);
  try {
    sb.compose(`services:
  db:
${SLEEPER}  cache:
${SLEEPER}  web:
${SLEEPER}    depends_on: [db, cache]
`);
    const up = await sb.fizz(['up', '-d']);
    assert.equal(up.code, 0, up.stderr);
    const before = await containerIds(sb.project);
    assert.equal(before.length, 3);
    const pid = sb.agentPid()!;
    events.stdout.once('data', () => process.kill(pid, 'SIGKILL'));

    const recreate = await sb.fizz(['up', '-d', '--force-recreate']);
    assert.notEqual(recreate.code, 0, 'the agent was meant to die during the recreate');
    await processGone(pid);

    const ps = await sb.fizz(['ps']);
    assert.equal(ps.code, 0, ps.stderr);
    await eventually(
      async () => {
        const ids = await containerIds(sb.project);
        if (ids.length !== 3 || ids.some((id) => before.includes(id))) return undefined;
        const states = await Promise.all(ids.map(async (id) => (await inspect(id)).State.Running));
        return states.every(Boolean) ? true : undefined;
      },
      60_000,
      'three new running containers',
    );
  } finally {
    events.kill();
    await sb.cleanup();
  }
});
