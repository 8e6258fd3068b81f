/** Bad input and faults: a missing image, a port already taken, an unreachable engine. */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { containerIds, inspect, SKIP_DOCKER, SKIP_REASON, sandbox } from './harness.js';

const skip = SKIP_DOCKER ? SKIP_REASON : '';

test(`missing image: error names service and image, the other services still come up${skip}`, {
  skip: SKIP_DOCKER,
}, async () => {
  const sb = sandbox('img');
  try {
    sb.compose(`services:
  good:
    image: fizz/busybox:latest
    command: ["sleep", "3600"]
    init: true
  bad:
    image: fizz/does-not-exist:1.0
    pull_policy: never
`);
    // pull_policy never: the same answer online and offline (a pull's failure is tested in images-pull).
    const up = await sb.fizz(['up', '-d']);
    assert.equal(up.code, 1);
    assert.match(
      up.stderr,
      /service "bad": image "fizz\/does-not-exist:1\.0": it is not on this machine and pull_policy: never forbids pulling it/,
    );
    const ids = await containerIds(sb.project);
    const running = [];
    for (const id of ids) {
      const c = await inspect(id);
      if (c.State.Running) running.push(c.Config.Labels['fizz.service']);
    }
    assert.deepEqual(running, ['good']);
  } finally {
    await sb.cleanup();
  }
});

test(`port already taken: error names service and port${skip}`, { skip: SKIP_DOCKER }, async () => {
  const sb = sandbox('port');
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '0.0.0.0', resolve));
  const port = (blocker.address() as { port: number }).port;
  try {
    sb.compose(`services:
  web:
    image: fizz/busybox:latest
    command: ["httpd", "-f", "-p", "80", "-h", "/www"]
    init: true
    ports:
      - "${port}:80"
`);
    const up = await sb.fizz(['up', '-d']);
    assert.equal(up.code, 1);
    assert.match(up.stderr, new RegExp(`service "web": port ${port}\\b`));
  } finally {
    blocker.close();
    await sb.cleanup();
  }
});

test(`engine unreachable: a clear message saying how to start it${skip}`, { skip: SKIP_DOCKER }, async () => {
  const sb = sandbox('noengine');
  try {
    sb.compose(`services:
  web:
    image: fizz/busybox:latest
`);
    const env = { DOCKER_HOST: `unix://${sb.dir}/no-docker.sock` };
    const up = await sb.fizz(['up', '-d'], { env });
    assert.equal(up.code, 1);
    assert.match(up.stderr, /Docker Engine is not reachable/);
    assert.match(up.stderr, /dockerd|systemctl start docker/);
    // Every command says so on stderr, exits 1, and keeps stdout clean.
    for (const args of [['ps'], ['ps', '--format', 'json'], ['logs']]) {
      const r = await sb.fizz(args, { env });
      assert.equal(r.code, 1, `fizz ${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /^error: Docker Engine is not reachable/m, `fizz ${args.join(' ')}`);
      assert.doesNotMatch(r.stderr, /^\s+at /m, `fizz ${args.join(' ')} printed a stack trace`);
      assert.equal(r.stdout, '', `fizz ${args.join(' ')} wrote to stdout`);
    }
  } finally {
    await sb.cleanup();
  }
});
