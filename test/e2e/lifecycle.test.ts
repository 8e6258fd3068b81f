/**
 * Up, ps, logs, replicas, stop/start, re-up with nothing changed, a changed service
 * recreated, a removed service removed, down -v: the real binary against the real engine.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  containerIds,
  inspect,
  networkNames,
  type PsJson,
  SKIP_DOCKER,
  SKIP_REASON,
  sandbox,
  volumeNames,
} from './harness.js';

const skip = SKIP_DOCKER ? SKIP_REASON : '';

const base = (greeting: string, extra = '') => `services:
  echo:
    image: fizz/busybox:latest
    command: ["sh", "-c", "echo ${greeting} from $$HOSTNAME; exec sleep 3600"]
    init: true
    deploy:
      replicas: 3
    volumes:
      - data:/data
  side:
    image: fizz/busybox:latest
    command: ["sh", "-c", "echo side up; exec sleep 3600"]
    init: true
${extra}volumes:
  data: {}
`;

test(`up, ps, logs, replicas, stop/start, re-up, change, removal, down -v${skip}`, {
  skip: SKIP_DOCKER,
}, async () => {
  const sb = sandbox('life');
  const p = sb.project;
  try {
    sb.compose(base('hello'));
    const up = await sb.fizz(['up', '-d']);
    assert.equal(up.code, 0, up.stderr);

    const ps = await sb.fizz(['ps', '--format', 'json']);
    assert.equal(ps.code, 0, ps.stderr);
    // A service the file does not have is an error, as in docker compose, not an empty list.
    for (const cmd of ['ps', 'logs', 'restart']) {
      const r = await sb.fizz([cmd, 'nope']);
      assert.equal(r.code, 1, `fizz ${cmd} nope: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /no such service: nope/);
    }
    const rows = JSON.parse(ps.stdout) as PsJson[];
    assert.deepEqual(
      rows.map((r) => `${r.Service}-${r.Replica}:${r.State}`),
      ['echo-1:running', 'echo-2:running', 'echo-3:running', 'side-1:running'],
    );
    assert.deepEqual(
      rows.map((r) => r.Name),
      [`${p}-echo-1`, `${p}-echo-2`, `${p}-echo-3`, `${p}-side-1`],
    );
    const first = await containerIds(p);
    assert.equal(first.length, 4);
    const info = await inspect(first[0]!);
    assert.equal(info.Config.Labels['fizz.project'], p);
    assert.ok(info.Config.Labels['fizz.spec-hash']);

    const logs = await sb.fizz(['logs', '--tail', '5', 'echo']);
    assert.equal(logs.code, 0, logs.stderr);
    const lines = logs.stdout.trim().split('\n').sort();
    assert.equal(lines.length, 3);
    for (const [i, line] of lines.entries()) assert.match(line, new RegExp(`^echo-${i + 1} \\| hello from `));

    // Stop one service: its containers stay, stopped, and the agent keeps them so.
    const stop = await sb.fizz(['stop', 'side']);
    assert.equal(stop.code, 0, stop.stderr);
    const afterStop = JSON.parse((await sb.fizz(['ps', '-a', '--format', 'json'])).stdout) as PsJson[];
    assert.equal(afterStop.find((r) => r.Service === 'side')!.State, 'exited');
    const start = await sb.fizz(['start', 'side']);
    assert.equal(start.code, 0, start.stderr);

    // Nothing changed: nothing touched.
    const again = await sb.fizz(['up', '-d']);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /Creat|Recreat|Remov/);
    assert.deepEqual(await containerIds(p), first);

    // The echo service changes: its three containers are recreated, side is left alone.
    const sideId = rows.find((r) => r.Service === 'side')!.ID;
    sb.compose(base('bonjour'));
    const changed = await sb.fizz(['up', '-d']);
    assert.equal(changed.code, 0, changed.stderr);
    const now = JSON.parse((await sb.fizz(['ps', '--format', 'json'])).stdout) as PsJson[];
    assert.equal(now.find((r) => r.Service === 'side')!.ID, sideId);
    for (const r of now.filter((r) => r.Service === 'echo'))
      assert.ok(!rows.some((old) => old.ID === r.ID), `echo-${r.Replica} was not recreated`);

    // side leaves the file: its container goes.
    sb.compose(base('bonjour').replace(/ {2}side:[\s\S]*?init: true\n/, ''));
    const removed = await sb.fizz(['up', '-d']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal((await containerIds(p)).length, 3);

    assert.equal((await volumeNames(p)).length, 1);
    const down = await sb.fizz(['down', '-v']);
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(await containerIds(p), []);
    assert.deepEqual(await networkNames(p), []);
    assert.deepEqual(await volumeNames(p), []);
    assert.doesNotMatch(down.stderr, /No resource found/);
    // Nothing left: down again says so, and still succeeds.
    const downAgain = await sb.fizz(['down']);
    assert.equal(downAgain.code, 0, downAgain.stderr);
    assert.match(downAgain.stderr, /No resource found to remove for project "/);
  } finally {
    await sb.cleanup();
  }
});
