/**
 * The exit criterion: `fizz up -d -f examples/web/compose.yaml`, then the page answers, then
 * `fizz down` leaves no container, network or volume. The test runs the example's own file
 * under its own project name (`-p`), FIZZ_HOME and a free port (an override file), so it
 * passes while the README's `make example` (project fizz-web on :8080) runs — and leaves
 * that one running: the test starts it itself, as a user would have, when nothing is on :8080.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

test(`exit criterion: fizz up -d examples/web, the page answers, fizz down leaves nothing; the README's example keeps running${SKIP_DOCKER ? SKIP_REASON : ''}`, {
  skip: SKIP_DOCKER,
}, async () => {
  const user = sandbox('user');
  const sb = sandbox('web');
  const example = ['-f', FILE];
  let startedExample = false;
  try {
    // The README's order: the example is up (another FIZZ_HOME) when the tests run.
    if ((await httpGet('http://localhost:8080/')) === undefined) {
      const ex = await user.fizz(['up', '-d', ...example]);
      assert.equal(ex.code, 0, ex.stderr);
      startedExample = true;
    }
    const exampleIds = await containerIds('fizz-web');

    const port = await freePort();
    const override = join(sb.dir, 'port.yaml');
    sb.compose(`services:\n  web:\n    ports: !override\n      - "${port}:80"\n`, 'port.yaml');
    const files = ['-f', FILE, '-f', override, '-p', sb.project];
    const up = await sb.fizz(['up', '-d', ...files]);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stderr, new RegExp(`Container ${sb.project}-web-1 {2}Started`));
    const url = `http://localhost:${port}/`;
    const res = await eventually(() => httpGet(url), 20_000, url);
    assert.equal(res.status, 200);
    assert.match(res.body, /Hello from Fizz/);

    const ps = await sb.fizz(['ps', ...files]);
    assert.equal(ps.code, 0, ps.stderr);
    assert.match(ps.stdout, /^NAME\s+IMAGE\s+COMMAND\s+SERVICE\s+CREATED\s+STATUS\s+PORTS$/m);
    assert.match(
      ps.stdout,
      new RegExp(
        `^${sb.project}-web-1\\s+fizz/busybox:latest\\s+"[^"]*httpd[^"]*"\\s+web\\s+\\S.* ago\\s+Up .*\\s+0\\.0\\.0\\.0:${port}->80/tcp`,
        'm',
      ),
    );

    const down = await sb.fizz(['down', ...files]);
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(await containerIds(sb.project), []);
    assert.deepEqual(await networkNames(sb.project), []);
    assert.deepEqual(await volumeNames(sb.project), []);
    assert.equal(await httpGet(url), undefined);
    // The README's example was not touched.
    assert.deepEqual(await containerIds('fizz-web'), exampleIds);
    assert.ok(await httpGet('http://localhost:8080/'), 'the example still answers');
  } finally {
    if (startedExample) await user.fizz(['down', ...example]).catch(() => undefined);
    await user.cleanup();
    await sb.cleanup();
  }
});
