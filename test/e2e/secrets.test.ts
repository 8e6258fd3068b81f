/**
 * Secrets and configs on one real engine: compose `secrets:` (file, environment, external)
 * and `configs:` (content, file) reach the container at their targets with their mode and
 * owner, from a memory file system; the value is nowhere in FIZZ_HOME (the state, its log)
 * or the engine's data root; a changed value recreates the container, an unchanged one does
 * not; a missing external secret is refused by name.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isMemoryFs } from '../../src/agent/secrets/tmpfs.js';
import { containerIds, docker, inspect, run, SKIP_DOCKER, SKIP_REASON, sandbox } from './harness.js';

const DATA_ROOT = '/var/lib/docker';

/** Files under `dirs` that hold `needle` (grep exits 1 when none does). */
async function filesHolding(needle: string, ...dirs: string[]): Promise<string[]> {
  const r = await run('grep', ['-rlF', '--binary-files=text', '--no-messages', needle, ...dirs]);
  assert.ok(r.code === 0 || r.code === 1, `grep failed: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean);
}

test(`secrets and configs: mounted from tmpfs, never on disk, recreated on change${SKIP_DOCKER ? SKIP_REASON : ''}`, {
  skip: SKIP_DOCKER,
}, async () => {
  const sb = sandbox('secret');
  const p = sb.project;
  const value = (tag: string) => `FZ${tag}-${randomBytes(12).toString('hex')}`;
  const fileSecret = value('FILE');
  const envSecret = value('ENV');
  const extSecret = value('EXT');
  const extSecret2 = value('EXT2');
  const fileConfig = value('CONF');
  try {
    writeFileSync(join(sb.dir, 's.txt'), fileSecret);
    writeFileSync(join(sb.dir, 'c.conf'), fileConfig);
    sb.compose(`services:
  app:
    image: fizz/busybox:latest
    command: ["sleep", "3600"]
    init: true
    secrets:
      - file_s
      - source: env_s
        target: other
        mode: 0400
        uid: "1000"
        gid: "1001"
      - ext
    configs:
      - c1
      - source: c2
        target: /etc/app.conf
secrets:
  file_s:
    file: ./s.txt
  env_s:
    environment: FZ_ENV_SECRET
  ext:
    external: true
configs:
  c1:
    content: plain config
  c2:
    file: ./c.conf
`);
    const env = { FZ_ENV_SECRET: envSecret };

    // A missing external secret: refused by name, nothing started.
    const refused = await sb.fizz(['up', '-d'], { env });
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /secret "ext" is external, but the cluster has no secret "ext"/);
    assert.deepEqual(await containerIds(p), []);

    const created = await sb.fizz(['secret', 'create', 'ext', '-'], { input: extSecret });
    assert.equal(created.code, 0, created.stderr);
    const noValue = await sb.fizz(['secret', 'create', 'nothing']);
    assert.equal(noValue.code, 1);
    assert.match(noValue.stdout + noValue.stderr, /FILE, or '-'/);
    const ls = await sb.fizz(['secret', 'ls', '-q']);
    assert.equal(ls.stdout, 'ext\n');

    const up = await sb.fizz(['up', '-d'], { env });
    assert.equal(up.code, 0, up.stderr);
    const [id] = await containerIds(p);
    assert.ok(id);
    const sh = async (cmd: string) => (await docker('exec', id!, 'sh', '-c', cmd)).trim();
    assert.equal(await sh('cat /run/secrets/file_s'), fileSecret);
    assert.equal(await sh('cat /run/secrets/other'), envSecret);
    assert.equal(await sh('cat /run/secrets/ext'), extSecret);
    assert.equal(await sh('cat /c1'), 'plain config');
    assert.equal(await sh('cat /etc/app.conf'), fileConfig);
    assert.equal(await sh('stat -c "%a %u %g" /run/secrets/other'), '400 1000 1001');
    assert.equal(await sh('stat -c "%a %u" /run/secrets/file_s'), '444 0');
    // Read-only, and backed by memory: in the container and on the host.
    assert.notEqual((await run('docker', ['exec', id!, 'sh', '-c', 'echo x > /run/secrets/ext'])).code, 0);
    assert.match(await sh('grep " /run/secrets/ext " /proc/mounts'), /^\S+ \/run\/secrets\/ext tmpfs ro/);
    const mounts = (await docker('inspect', '-f', '{{json .Mounts}}', id!)).trim();
    const sources = (JSON.parse(mounts) as Array<{ Source: string }>).map((m) => m.Source);
    assert.equal(sources.length, 5);
    for (const s of sources) assert.ok(isMemoryFs(s), `${s} is on a memory file system`);

    // No clear text in FIZZ_HOME (state, log, project files) or in the engine's data root.
    for (const v of [fileSecret, envSecret, extSecret])
      assert.deepEqual(await filesHolding(v, sb.home, DATA_ROOT), [], `${v.slice(0, 6)}… found on disk`);

    // The same values again: nothing recreated.
    assert.equal((await sb.fizz(['up', '-d'], { env })).code, 0);
    assert.deepEqual(await containerIds(p), [id]);

    // A new value of the external secret: the container is made again and reads it.
    const again = await sb.fizz(['secret', 'create', 'ext', '-'], { input: extSecret2 });
    assert.equal(again.code, 0, again.stderr);
    const deadline = Date.now() + 30_000;
    let id2: string | undefined;
    while (Date.now() < deadline) {
      const ids = await containerIds(p);
      if (ids.length === 1 && ids[0] !== id && (await inspect(ids[0]!)).State.Running) {
        id2 = ids[0];
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(id2, 'recreated after the secret changed');
    assert.equal((await docker('exec', id2!, 'cat', '/run/secrets/ext')).trim(), extSecret2);
    // The old container's files went with it.
    for (const s of sources) assert.equal((await run('test', ['-e', s])).code, 1, `${s} left behind`);

    // A changed file: `up` recreates.
    writeFileSync(join(sb.dir, 's.txt'), `${fileSecret}-v2`);
    assert.equal((await sb.fizz(['up', '-d'], { env })).code, 0);
    const [id3] = await containerIds(p);
    assert.notEqual(id3, id2);
    assert.equal((await docker('exec', id3!, 'cat', '/run/secrets/file_s')).trim(), `${fileSecret}-v2`);
    assert.deepEqual(await filesHolding(extSecret2, sb.home, DATA_ROOT), []);

    const down = await sb.fizz(['down']);
    assert.equal(down.code, 0, down.stderr);
    const rm = await sb.fizz(['secret', 'rm', 'ext']);
    assert.equal(rm.code, 0, rm.stderr);
    assert.equal((await sb.fizz(['secret', 'ls', '-q'])).stdout, '');
    const rmAgain = await sb.fizz(['secret', 'rm', 'ext']);
    assert.equal(rmAgain.code, 1);
    assert.match(rmAgain.stderr, /no secret "ext"/);
  } finally {
    await sb.cleanup();
  }
});
