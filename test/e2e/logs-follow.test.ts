/**
 * `fizz logs -f` and the attach of `fizz up` keep following the project: a container that
 * starts after they began (the service changed and recreated, a replica added) shows up.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, type Running, SKIP_DOCKER, SKIP_REASON, sandbox, spawnFizz } from './harness.js';

const skip = SKIP_DOCKER ? SKIP_REASON : '';

const file = (greeting: string, replicas: number) => `services:
  talker:
    image: fizz/busybox:latest
    command: ["sh", "-c", "echo ${greeting} from $$HOSTNAME; exec sleep 3600"]
    init: true
    deploy:
      replicas: ${replicas}
`;

test(`logs -f shows the output of containers recreated and added after it began${skip}`, {
  skip: SKIP_DOCKER,
}, async () => {
  const sb = sandbox('follow');
  let follower: Running | undefined;
  try {
    sb.compose(file('hello', 1));
    const up = await sb.fizz(['up', '-d']);
    assert.equal(up.code, 0, up.stderr);
    follower = spawnFizz(sb, ['logs', '-f']);
    const f = follower;
    await eventually(
      async () => (f.out().includes('hello from') ? true : undefined),
      60_000,
      'the first line',
    );

    // Changed and scaled to two: the old container is replaced, a second one is added.
    sb.compose(file('bonjour', 2));
    const changed = await sb.fizz(['up', '-d']);
    assert.equal(changed.code, 0, changed.stderr);
    await eventually(
      async () =>
        /^talker-1 +\| bonjour from /m.test(f.out()) && /^talker-2 +\| bonjour from /m.test(f.out())
          ? true
          : undefined,
      60_000,
      `the recreated and the added container's lines in: ${f.out()}`,
    );
    assert.equal(f.out().match(/hello from/g)?.length, 1, f.out());
    f.child.kill('SIGINT');
    assert.equal(await f.exited, 0);
  } finally {
    follower?.child.kill('SIGKILL');
    await sb.cleanup();
  }
});

test(`fizz up attached shows a container that another up recreated${skip}`, {
  skip: SKIP_DOCKER,
}, async () => {
  const sb = sandbox('reatt');
  let attached: Running | undefined;
  try {
    sb.compose(file('first', 1));
    attached = spawnFizz(sb, ['up']);
    const a = attached;
    await eventually(
      async () => (a.out().includes('first from') ? true : undefined),
      60_000,
      'the first line',
    );
    sb.compose(file('second', 1));
    const changed = await sb.fizz(['up', '-d']);
    assert.equal(changed.code, 0, changed.stderr);
    await eventually(
      async () => (/^talker-1 +\| second from /m.test(a.out()) ? true : undefined),
      60_000,
      `the recreated container's line in: ${a.out()}`,
    );
    a.child.kill('SIGINT');
    assert.equal(await a.exited, 0);
  } finally {
    attached?.child.kill('SIGKILL');
    await sb.cleanup();
  }
});
