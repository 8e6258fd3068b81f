/**
 * The exit criterion: `fizz up -d -f examples/web/compose.yaml`, then http://localhost:8080
 * answers, then `fizz down` leaves no container, network or volume.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  containerIds,
  eventually,
  httpGet,
  networkNames,
  ROOT,
  SKIP_DOCKER,
  SKIP_REASON,
  sandbox,
  volumeNames,
} from './harness.js';

const FILE = join(ROOT, 'examples', 'web', 'compose.yaml');
const PROJECT = 'fizz-web';

test(`exit criterion: fizz up -d examples/web, curl :8080 answers, fizz down leaves nothing${SKIP_DOCKER ? SKIP_REASON : ''}`, {
  skip: SKIP_DOCKER,
}, async () => {
  const sb = sandbox('web');
  try {
    const up = await sb.fizz(['up', '-d', '-f', FILE]);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stderr, /Container fizz-web-web-1 {2}Started/);
    const res = await eventually(() => httpGet('http://localhost:8080/'), 20_000, 'http://localhost:8080');
    assert.equal(res.status, 200);
    assert.match(res.body, /Hello from Fizz/);

    const ps = await sb.fizz(['ps', '-f', FILE]);
    assert.equal(ps.code, 0, ps.stderr);
    assert.match(ps.stdout, /^NAME\s+IMAGE\s+COMMAND\s+SERVICE\s+CREATED\s+STATUS\s+PORTS$/m);
    assert.match(
      ps.stdout,
      /^fizz-web-web-1\s+fizz\/busybox:latest\s+"[^"]*httpd[^"]*"\s+web\s+\S.* ago\s+Up .*\s+0\.0\.0\.0:8080->80\/tcp/m,
    );

    const down = await sb.fizz(['down', '-f', FILE]);
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(await containerIds(PROJECT), []);
    assert.deepEqual(await networkNames(PROJECT), []);
    assert.deepEqual(await volumeNames(PROJECT), []);
    assert.equal(await httpGet('http://localhost:8080/'), undefined);
  } finally {
    await sb.fizz(['down', '-f', FILE]).catch(() => undefined);
    await sb.cleanup();
  }
});
