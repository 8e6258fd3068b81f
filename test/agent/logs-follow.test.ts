/**
 * `logs -f` follows containers that start after it began: a recreated replica, a scaled-up
 * one, a restarted one (without repeating its earlier lines); it ends on abort, or by itself
 * once nothing of the project runs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogEvent } from '../../src/api/protocol.js';
import type { FakeRuntime } from '../../src/runtime/fake.js';
import { LABELS } from '../../src/runtime/types.js';
import { project, service, signal, testAgent, until as untilEvery } from './fixtures.js';

function setup(relistMs: number) {
  return testAgent({ logsRelistMs: relistMs, logsIdleMs: 300 });
}

/** Polls every 10 ms, for up to 10 s. */
const until = (check: () => boolean, what: string) => untilEvery(check, what, 10, 1000);

function idOf(runtime: FakeRuntime, service: string, replica = 0): string {
  for (const c of runtime.containers.values())
    if (c.info.labels[LABELS.service] === service && c.info.labels[LABELS.slot] === String(replica))
      return c.info.id;
  throw new Error(`no ${service}-${replica}`);
}

// The relist is slow (an hour) in the first test: the new containers must be found from the
// engine's start events alone; the second test has no events to go by (see below).
test('logs -f picks up a recreated container, a scaled-up one and a restarted one, each line once', async () => {
  const { agent, runtime } = setup(3_600_000);
  assert.equal((await agent.up({ spec: project({ web: service() }) }, () => {}, signal)).ok, true);
  runtime.write(idOf(runtime, 'web'), 'stdout', 'one');
  const events: LogEvent[] = [];
  const abort = new AbortController();
  const following = agent.logs(
    { project: 'demo', services: [], follow: true },
    (e) => events.push(e),
    abort.signal,
  );
  const texts = () => events.map((e) => `${e.service}-${e.replica + 1}:${e.text}`);
  await until(() => texts().includes('web-1:one'), 'the first line');

  // Changed and scaled to two: the old container goes, two new ones start.
  const changed = project({ web: service({ command: ['sleep', '9'], deploy: { replicas: 2 } }) });
  assert.equal((await agent.up({ spec: changed }, () => {}, signal)).ok, true);
  const [a, b] = [idOf(runtime, 'web', 0), idOf(runtime, 'web', 1)];
  await until(() => runtime.calls.filter((c) => c === `logs ${b}`).length > 0, 'the new containers followed');
  runtime.write(a, 'stdout', 'two');
  runtime.write(b, 'stdout', 'deux');
  await until(() => texts().includes('web-1:two') && texts().includes('web-2:deux'), 'the new lines');

  // Restarted: the stream ends with the stop and is opened again, from its last line on.
  await runtime.restart(b);
  await new Promise((r) => setTimeout(r, 5));
  await until(
    () => runtime.calls.filter((c) => c === `logs ${b}`).length > 1,
    'the restarted container followed',
  );
  runtime.write(b, 'stdout', 'trois');
  await until(() => texts().includes('web-2:trois'), 'the line after the restart');
  abort.abort();
  await following;
  assert.deepEqual(texts(), ['web-1:one', 'web-1:two', 'web-2:deux', 'web-2:trois']);
});

test('without engine events the relist finds new containers; the follow ends once nothing runs', async () => {
  const { agent, runtime } = setup(20);
  assert.equal((await agent.up({ spec: project({ web: service() }) }, () => {}, signal)).ok, true);
  runtime.failNext('events', new Error('no events today'));
  const events: LogEvent[] = [];
  const following = agent.logs(
    { project: 'demo', services: ['web'], follow: true },
    (e) => events.push(e),
    new AbortController().signal,
  );
  await until(() => runtime.calls.includes(`logs ${idOf(runtime, 'web')}`), 'the first container followed');
  assert.equal(
    (await agent.up({ spec: project({ web: service({ command: ['x'] }) }) }, () => {}, signal)).ok,
    true,
  );
  const fresh = idOf(runtime, 'web');
  await until(() => runtime.calls.includes(`logs ${fresh}`), 'the recreated container followed');
  runtime.write(fresh, 'stdout', 'hello again');
  await until(() => events.some((e) => e.text === 'hello again'), 'the line of the recreated container');
  // Everything stops: the follow ends by itself (logsIdleMs) instead of waiting forever.
  assert.equal((await agent.stop({ project: 'demo', services: [] }, () => {})).ok, true);
  let ended = false;
  void following.then(() => {
    ended = true;
  });
  await until(() => ended, 'the follow to end once nothing runs');
});
