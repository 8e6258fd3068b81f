/**
 * Two agents of different FIZZ_HOMEs on one engine: `fizz up` through one, then
 * `FIZZ_HOME=/other fizz down` of the same file leaves the first agent's container and
 * network alone and says why (issue 10).
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { containerIds, networkNames, SKIP_DOCKER, SKIP_REASON, sandbox } from './harness.js';

test(`another FIZZ_HOME's down or up of the same file touches nothing of the first agent's${SKIP_DOCKER ? SKIP_REASON : ''}`, {
  skip: SKIP_DOCKER,
}, async () => {
  const sb = sandbox('homes');
  const other = join(sb.dir, 'other');
  mkdirSync(other, { mode: 0o700 });
  const env = { FIZZ_HOME: other };
  try {
    const file = sb.compose(`services:
  app:
    image: fizz/busybox:latest
    command: ["sleep", "3600"]
    init: true
`);
    const up = await sb.fizz(['up', '-d']);
    assert.equal(up.code, 0, up.stderr);
    const ids = await containerIds(sb.project);
    const nets = await networkNames(sb.project);
    assert.equal(ids.length, 1);
    assert.equal(nets.length, 1);

    const down = await sb.fizz(['down', '-f', file], { env });
    assert.notEqual(down.code, 0);
    assert.match(down.stderr, /belongs to another Fizz agent/);
    const up2 = await sb.fizz(['up', '-d', '-f', file], { env });
    assert.notEqual(up2.code, 0);
    assert.match(up2.stderr, /belongs to another Fizz agent/);
    assert.deepEqual(await containerIds(sb.project), ids);
    assert.deepEqual(await networkNames(sb.project), nets);

    const own = await sb.fizz(['down']);
    assert.equal(own.code, 0, own.stderr);
    assert.deepEqual(await containerIds(sb.project), []);
    assert.deepEqual(await networkNames(sb.project), []);
  } finally {
    try {
      process.kill(Number(readFileSync(join(other, 'agent.pid'), 'utf8')), 'SIGTERM');
    } catch {
      // not started
    }
    await sb.cleanup();
  }
});
