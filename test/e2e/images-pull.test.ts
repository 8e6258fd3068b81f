/**
 * Pulls against a real registry on loopback (started here, stopped after, even on failure):
 * a missing image pulled on `up` with progress per layer, `fizz pull`, each pull_policy, a
 * registry that is down, a tag that does not exist, and a registry that wants a login
 * (htpasswd) — refused without credentials, served with those of DOCKER_CONFIG. Test images
 * are built offline from fizz/busybox, named after this process, and removed afterwards.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { docker, inspect, type Run, type Sandbox, SKIP_DOCKER, SKIP_REASON, sandbox } from './harness.js';
import { freePort, htpasswdLine, registryMissing, startRegistry, type TestRegistry } from './registry.js';

const missing = SKIP_DOCKER ? SKIP_REASON : registryMissing() ? ` (skipped: ${registryMissing()})` : '';
const skip = missing !== '';
const LABEL = `fizz.e2e=${process.pid}`;
const made: string[] = [];
let open: TestRegistry | undefined;
let locked: TestRegistry | undefined;
let storage = '';
let work = '';

/** Builds an image with a layer of its own, pushes it to the open registry and (unless `keep`) removes it here. */
async function publish(name: string, keep = false): Promise<string> {
  const ref = `${open!.addr}/fizz-e2e-${process.pid}/${name}`;
  const dir = mkdtempSync(join(work, 'img-'));
  writeFileSync(join(dir, 'blob'), randomBytes(400_000));
  writeFileSync(
    join(dir, 'Dockerfile'),
    `FROM fizz/busybox:latest\nLABEL ${LABEL}\nCOPY blob /blob\nCMD ["sleep", "3600"]\n`,
  );
  await docker('build', '-q', '-t', ref, dir);
  await docker('push', ref);
  made.push(ref);
  if (!keep) await docker('rmi', ref);
  return ref;
}

function configDir(auths: Record<string, string>): string {
  const dir = mkdtempSync(join(work, 'dcfg-'));
  const entries = Object.fromEntries(
    Object.entries(auths).map(([reg, up]) => [reg, { auth: Buffer.from(up).toString('base64') }]),
  );
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: entries }));
  return dir;
}

async function running(sb: Sandbox): Promise<Map<string, string>> {
  const r = await sb.fizz(['ps', '-a', '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  return new Map(
    (JSON.parse(r.stdout || '[]') as Array<{ Service: string; State: string }>).map((c) => [
      c.Service,
      c.State,
    ]),
  );
}

function check(r: Run, code: number): void {
  assert.equal(r.code, code, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

before(async () => {
  if (skip) return;
  work = mkdtempSync(join(tmpdir(), 'fz-img-'));
  storage = join(work, 'storage');
  mkdirSync(storage);
  open = await startRegistry({ storage });
  locked = await startRegistry({ storage, htpasswd: htpasswdLine('alice', 's3cret') });
});

after(async () => {
  if (skip) return;
  await locked?.stop();
  await open?.stop();
  for (const ref of made) await docker('rmi', '-f', ref).catch(() => '');
  await docker('image', 'prune', '-f', '--filter', `label=${LABEL}`).catch(() => '');
  rmSync(work, { recursive: true, force: true });
});

test(`a missing image is pulled on up, with progress per layer; fizz pull${missing}`, { skip }, async () => {
  const ref = await publish('app:v1');
  const sb = sandbox('pull');
  try {
    sb.compose(`services:\n  web:\n    image: ${ref}\n    init: true\n`);
    const env = { DOCKER_CONFIG: configDir({}) };
    const up = await sb.fizz(['up', '-d'], { env });
    check(up, 0);
    assert.match(up.stderr, new RegExp(`Image ${ref.replaceAll('.', '\\.')}  Pulling`));
    assert.match(up.stderr, /Layer [0-9a-f]{12} \(.*\) {2}Downloading/);
    assert.match(up.stderr, /Layer [0-9a-f]{12} \(.*\) {2}Pull complete/);
    assert.match(up.stderr, /Image .*app:v1 {2}Pulled/);
    assert.ok(up.stderr.indexOf('Pulled') < up.stderr.indexOf(`Container ${sb.project}-web-1  Created`));
    assert.equal((await running(sb)).get('web'), 'running');
    const [id] = (await docker('ps', '-q', '--filter', `label=fizz.project=${sb.project}`)).split('\n');
    assert.equal((await inspect(id!)).Config.Labels['fizz.service'], 'web');

    const pull = await sb.fizz(['pull'], { env });
    check(pull, 0);
    assert.match(pull.stderr, /Image .*app:v1 {2}Pulling/);
    const quiet = await sb.fizz(['pull', '-q', 'web'], { env });
    check(quiet, 0);
    assert.equal(quiet.stderr, '');
    check(await sb.fizz(['down']), 0);
  } finally {
    await sb.cleanup();
  }
});

test(`each pull_policy: always, missing, daily, every_1s, never, build${missing}`, { skip }, async () => {
  const always = await publish('always:v1');
  const miss = await publish('missing:v1', true);
  const daily = await publish('daily:v1');
  const every = await publish('every:v1');
  const never = `${open!.addr}/fizz-e2e-${process.pid}/never:v1`;
  const sb = sandbox('policy');
  try {
    mkdirSync(join(sb.dir, 'ctx'));
    writeFileSync(
      join(sb.dir, 'ctx', 'Dockerfile'),
      `FROM fizz/busybox:latest\nLABEL ${LABEL}\nCMD ["sleep", "3600"]\n`,
    );
    made.push(`${sb.project}-bld`);
    const svc = (name: string, image: string, policy: string) =>
      `  ${name}:\n    image: ${image}\n    pull_policy: ${policy}\n    init: true\n`;
    sb.compose(
      `services:\n${svc('alw', always, 'always')}${svc('mis', miss, 'missing')}${svc('day', daily, 'daily')}` +
        `${svc('evr', every, 'every_1s')}${svc('nev', never, 'never')}` +
        `  bld:\n    build: ./ctx\n    pull_policy: build\n    init: true\n`,
    );
    const env = { DOCKER_CONFIG: configDir({}) };
    const pulled = (r: Run) => [...r.stderr.matchAll(/Image (\S+) {2}Pulling/g)].map((m) => m[1]).sort();
    const neverLine = `error: service "nev": image "${never}": it is not on this machine and pull_policy: never forbids pulling it`;
    // First up: what is missing is pulled (missing is here: built, not pulled); never is refused.
    const first = await sb.fizz(['up', '-d'], { env });
    check(first, 1);
    assert.deepEqual(pulled(first), [always, daily, every].sort());
    assert.deepEqual(
      first.stderr.split('\n').filter((l) => l.startsWith('error:')),
      [neverLine],
    );
    assert.match(first.stderr, new RegExp(`Image ${sb.project}-bld  Built`));
    assert.match(first.stderr, /bld \| Step 1\/3 : FROM fizz\/busybox:latest/);
    const states = await running(sb);
    for (const s of ['alw', 'mis', 'day', 'evr', 'bld']) assert.equal(states.get(s), 'running', s);
    assert.equal(states.has('nev'), false);
    // A second up 1.5 s later: always and every_1s pull again, daily does not; build builds again.
    await new Promise((r) => setTimeout(r, 1500));
    const second = await sb.fizz(['up', '-d'], { env });
    check(second, 1);
    assert.deepEqual(pulled(second), [always, every].sort());
    assert.match(second.stderr, new RegExp(`Image ${sb.project}-bld  Building`));
  } finally {
    await sb.cleanup();
  }
});

test(`a registry that is down and a tag that does not exist name the service and image; the rest runs${missing}`, {
  skip,
}, async () => {
  const sb = sandbox('pullfail');
  const down = `127.0.0.1:${await freePort()}/fizz-e2e/app:v1`;
  const notag = `${open!.addr}/fizz-e2e-${process.pid}/app:nope`;
  try {
    sb.compose(
      `services:\n  down:\n    image: ${down}\n  notag:\n    image: ${notag}\n` +
        `  ok:\n    image: fizz/busybox:latest\n    command: ["sleep", "3600"]\n    init: true\n`,
    );
    const up = await sb.fizz(['up', '-d'], { env: { DOCKER_CONFIG: configDir({}) } });
    check(up, 1);
    const errors = up.stderr.split('\n').filter((l) => l.startsWith('error:'));
    assert.equal(errors.length, 2, up.stderr);
    const reg = down.split('/')[0]!;
    assert.ok(
      errors.includes(
        `error: service "down": pulling ${down}: registry ${reg} cannot be reached (connection refused)`,
      ),
      errors.join('\n'),
    );
    assert.ok(
      errors.includes(
        `error: service "notag": pulling ${notag}: registry ${open!.addr} has no such image or tag (manifest unknown); check the name and tag`,
      ),
      errors.join('\n'),
    );
    const states = await running(sb);
    assert.equal(states.get('ok'), 'running');
    assert.equal(states.size, 1);
  } finally {
    await sb.cleanup();
  }
});

test(`a registry that wants a login: refused without credentials, served with DOCKER_CONFIG's${missing}`, {
  skip,
}, async () => {
  const pushed = await publish('private:v1');
  const ref = pushed.replace(open!.addr, locked!.addr);
  made.push(ref);
  const sb = sandbox('auth');
  try {
    sb.compose(`services:\n  web:\n    image: ${ref}\n    init: true\n`);
    const none = configDir({});
    const refused = await sb.fizz(['up', '-d'], { env: { DOCKER_CONFIG: none } });
    check(refused, 1);
    assert.match(
      refused.stderr,
      new RegExp(
        `error: service "web": pulling .*: registry ${locked!.addr} refused access: it wants credentials and ${none}/config\\.json has none for it; log in with \`docker login ${locked!.addr}\``,
      ),
    );
    const wrong = configDir({ [locked!.addr]: 'alice:wrong' });
    const bad = await sb.fizz(['up', '-d'], { env: { DOCKER_CONFIG: wrong } });
    check(bad, 1);
    assert.match(bad.stderr, new RegExp(`refused the credentials from ${wrong}/config\\.json; log in again`));
    const good = configDir({ [locked!.addr]: 'alice:s3cret' });
    check(await sb.fizz(['up', '-d'], { env: { DOCKER_CONFIG: good } }), 0);
    assert.equal((await running(sb)).get('web'), 'running');
  } finally {
    await sb.cleanup();
  }
});
