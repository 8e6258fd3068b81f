/**
 * The agent's image step on FakeRuntime: pulls before create, builds, failures that name
 * the service and the image and leave the rest of the project alone, recreate on a new
 * image, and `fizz pull` / `fizz build`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { OpProgress } from '../../src/api/protocol.js';
import { BuildFailedError } from '../../src/runtime/image-errors.js';
import { LABELS } from '../../src/runtime/types.js';
import { ok, project, service, signal, testAgent } from './fixtures.js';

const REG = '127.0.0.1:5999';

function recorder() {
  const events: OpProgress[] = [];
  return { events, emit: (e: OpProgress) => events.push(e) };
}

function imageOf(rt: ReturnType<typeof testAgent>['runtime'], svc: string): string[] {
  return [...rt.containers.values()]
    .filter((c) => c.info.labels[LABELS.service] === svc)
    .map((c) => c.info.image);
}

function noCreds(): string {
  return mkdtempSync(join(tmpdir(), 'fz-dcfg-'));
}

test('a missing image is pulled before its containers are made, with progress per layer', async () => {
  const { agent, runtime } = testAgent();
  const dir = noCreds();
  try {
    runtime.registry.remote.set(`${REG}/app:v1`, 'sha256:aaa1111111111111');
    const spec = project({ web: service({ image: `${REG}/app:v1` }) });
    const r = recorder();
    await ok(agent.up({ spec, dockerConfig: dir }, r.emit, signal));
    assert.deepEqual(imageOf(runtime, 'web'), [`${REG}/app:v1`]);
    const seen = r.events.flatMap((e) =>
      e.type === 'progress' && (e.resource === 'image' || e.resource === 'layer')
        ? [`${e.resource}:${e.status}`]
        : [],
    );
    assert.deepEqual(seen.slice(0, 5), [
      'image:pulling',
      'layer:pulling',
      'layer:pulling',
      'layer:pulled',
      'image:pulled',
    ]);
    assert.ok(runtime.calls.indexOf(`pullImage ${REG}/app:v1`) < runtime.calls.indexOf('create demo-web-1'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a registry that is down or a missing tag names the service and image; the rest comes up', async () => {
  const { agent, runtime } = testAgent();
  runtime.registry.unreachable.add('10.0.0.1:5000');
  const spec = project({
    down: service({ image: '10.0.0.1:5000/app:v1' }),
    notag: service({ image: `${REG}/app:nope` }),
    ok: service(),
  });
  const done = await agent.up({ spec, dockerConfig: noCreds() }, () => {}, signal);
  assert.equal(done.ok, false);
  assert.equal(done.errors.length, 2);
  assert.match(
    done.errors.join('\n'),
    /service "down": pulling 10\.0\.0\.1:5000\/app:v1: registry 10\.0\.0\.1:5000 cannot be reached/,
  );
  assert.match(
    done.errors.join('\n'),
    /service "notag": pulling 127\.0\.0\.1:5999\/app:nope: registry 127\.0\.0\.1:5999 has no such image or tag/,
  );
  assert.deepEqual(imageOf(runtime, 'ok'), ['fizz/busybox:latest']);
  assert.equal(imageOf(runtime, 'down').length, 0);
  assert.ok(!runtime.calls.some((c) => c.startsWith('create demo-down')));
});

test('registry credentials come from the docker config the CLI names; a refusal says how to log in', async () => {
  const { agent, runtime } = testAgent();
  runtime.registry.logins.set(REG, 'alice:s3cret');
  runtime.registry.remote.set(`${REG}/private:v1`, 'sha256:bbb2222222222222');
  const spec = project({ web: service({ image: `${REG}/private:v1` }) });
  const empty = noCreds();
  const good = noCreds();
  writeFileSync(
    join(good, 'config.json'),
    JSON.stringify({ auths: { [REG]: { auth: Buffer.from('alice:s3cret').toString('base64') } } }),
  );
  try {
    const refused = await agent.up({ spec, dockerConfig: empty }, () => {}, signal);
    assert.equal(refused.ok, false);
    assert.match(
      refused.errors[0]!,
      /service "web": .*registry 127\.0\.0\.1:5999 refused access.*docker login 127\.0\.0\.1:5999/,
    );
    await ok(agent.up({ spec, dockerConfig: good }, () => {}, signal));
    assert.deepEqual(imageOf(runtime, 'web'), [`${REG}/private:v1`]);
  } finally {
    rmSync(empty, { recursive: true, force: true });
    rmSync(good, { recursive: true, force: true });
  }
});

test('a build-only service is built as <project>-<service> and run from it; up --build rebuilds and recreates', async () => {
  const { agent, runtime } = testAgent();
  const spec = project({
    app: service({
      image: undefined,
      build: { context: '/src/app', dockerfile: 'Dockerfile', args: { A: '1', B: null }, target: 'prod' },
    }),
  });
  const r = recorder();
  await ok(agent.up({ spec }, r.emit, signal));
  assert.deepEqual(imageOf(runtime, 'app'), ['demo-app']);
  assert.equal(runtime.registry.builds.length, 1);
  assert.deepEqual(runtime.registry.builds[0], {
    context: '/src/app',
    dockerfile: 'Dockerfile',
    tags: ['demo-app'],
    args: { A: '1' },
    target: 'prod',
  });
  assert.ok(
    r.events.some((e) => e.type === 'output' && e.service === 'app' && e.text.startsWith('Step 1/1')),
  );
  const first = [...runtime.containers.keys()];

  await ok(agent.up({ spec }, () => {}, signal));
  assert.equal(runtime.registry.builds.length, 1, 'present: not built again');
  assert.deepEqual([...runtime.containers.keys()], first, 'unchanged: not recreated');

  await ok(agent.up({ spec, build: true }, () => {}, signal));
  assert.equal(runtime.registry.builds.length, 2);
  assert.notDeepEqual([...runtime.containers.keys()], first, 'new image: recreated');
});

test('pull_policy always pulls on each up and recreates only when the image changed', async () => {
  const { agent, runtime } = testAgent();
  const ref = `${REG}/app:v1`;
  runtime.registry.remote.set(ref, 'sha256:ccc1');
  const spec = project({ web: service({ image: ref, pull_policy: 'always' }) });
  await ok(agent.up({ spec }, () => {}, signal));
  const first = [...runtime.containers.keys()];
  await ok(agent.up({ spec }, () => {}, signal));
  assert.equal(runtime.registry.pulls.length, 2);
  assert.deepEqual([...runtime.containers.keys()], first);
  runtime.registry.remote.set(ref, 'sha256:ccc2');
  await ok(agent.up({ spec }, () => {}, signal));
  assert.notDeepEqual([...runtime.containers.keys()], first);
  const c = [...runtime.containers.values()][0]!;
  assert.equal(c.info.imageId, 'sha256:ccc2');
});

test('pull failures of an always image keep the running container; never and --no-build refuse a missing image', async () => {
  const { agent, runtime } = testAgent();
  const ref = `${REG}/app:v1`;
  runtime.registry.remote.set(ref, 'sha256:ddd1');
  const spec = project({ web: service({ image: ref, pull_policy: 'always' }) });
  await ok(agent.up({ spec }, () => {}, signal));
  const before = [...runtime.containers.keys()];
  runtime.registry.unreachable.add(REG);
  const down = await agent.up({ spec, forceRecreate: true }, () => {}, signal);
  assert.equal(down.ok, false);
  assert.deepEqual([...runtime.containers.keys()], before, 'the old container stays');

  const never = project({ n: service({ image: 'nothere:1', pull_policy: 'never' }) }, 'nv');
  const d1 = await agent.up({ spec: never }, () => {}, signal);
  assert.match(
    d1.errors[0]!,
    /service "n": image "nothere:1": it is not on this machine and pull_policy: never forbids pulling it/,
  );
  const nb = project({ b: service({ image: undefined, build: { context: '/src/b' } }) }, 'nb');
  const d2 = await agent.up({ spec: nb, noBuild: true }, () => {}, signal);
  assert.match(d2.errors[0]!, /service "b": image "nb-b": .*--no-build/);
  const pn = project({ p: service({ image: 'gone:1' }) }, 'pn');
  const d3 = await agent.up({ spec: pn, pull: 'never' }, () => {}, signal);
  assert.match(d3.errors[0]!, /--pull never/);
});

test('a failing build names the service, the step and the line; a git context is refused', async () => {
  const { agent, runtime } = testAgent();
  runtime.registry.failBuild = (req) =>
    req.tags[0] === 'bf-bad'
      ? new BuildFailedError('bf-bad', 'returned a non-zero code: 3', {
          index: 2,
          total: 2,
          instruction: 'RUN exit 3',
          file: '/src/Dockerfile',
          line: 4,
        })
      : undefined;
  const spec = project(
    {
      bad: service({ image: undefined, build: { context: '/src' } }),
      git: service({ image: undefined, build: { context: 'https://github.com/o/r.git#main' } }),
      good: service(),
    },
    'bf',
  );
  const done = await agent.up({ spec }, () => {}, signal);
  assert.equal(done.ok, false);
  assert.match(
    done.errors.join('\n'),
    /service "bad": building bf-bad failed at step 2\/2 \(\/src\/Dockerfile line 4: RUN exit 3\): returned a non-zero code: 3/,
  );
  assert.match(
    done.errors.join('\n'),
    /service "git": build context https:\/\/github\.com\/o\/r\.git#main: is a git repository URL/,
  );
  assert.deepEqual(imageOf(runtime, 'good'), ['fizz/busybox:latest']);
});

test('the loop pulls a missing image when it must make a container again, and backs off on failure', async () => {
  const { agent, runtime } = testAgent();
  const ref = `${REG}/app:v1`;
  runtime.registry.remote.set(ref, 'sha256:eee1');
  const spec = project({ web: service({ image: ref }) });
  await ok(agent.up({ spec }, () => {}, signal));
  // The container and the image go away behind the agent's back; the registry is down.
  for (const id of [...runtime.containers.keys()]) await runtime.remove(id, { force: true });
  runtime.images.delete(ref);
  runtime.registry.unreachable.add(REG);
  const pass = await agent.reconciler.request({});
  assert.match(pass.errors.get('demo')?.[0] ?? '', /cannot be reached/);
  const pulls = runtime.registry.pulls.length;
  await agent.reconciler.request({});
  assert.equal(runtime.registry.pulls.length, pulls, 'backed off: no pull on the next pass');
  runtime.registry.unreachable.delete(REG);
  await ok(agent.up({ spec }, () => {}, signal));
  assert.deepEqual(imageOf(runtime, 'web'), [ref]);
});

test('fizz pull: skips as docker compose pull does; a buildable failure is a warning', async () => {
  const { agent, runtime } = testAgent();
  runtime.registry.remote.set(`${REG}/a:1`, 'sha256:f1');
  runtime.images.add(`${REG}/present:1`);
  const spec = project(
    {
      a: service({ image: `${REG}/a:1` }),
      a2: service({ image: `${REG}/a:1` }),
      built: service({ image: undefined, build: { context: '/x' } }),
      never: service({ image: 'n:1', pull_policy: 'never' }),
      present: service({ image: `${REG}/present:1`, pull_policy: 'missing' }),
      fallback: service({ image: `${REG}/nope:1`, build: { context: '/x' } }),
    },
    'pl',
  );
  const r = recorder();
  const done = await agent.pull({ spec, dockerConfig: noCreds() }, r.emit, signal);
  assert.equal(done.ok, true, done.errors.join('; '));
  const images = r.events.flatMap((e) =>
    e.type === 'progress' && (e.resource === 'image' || e.resource === 'project') && e.status !== 'pulling'
      ? [`${e.service ?? e.name} ${e.status}${e.detail ? ` ${e.detail.replace(/:.*/, '')}` : ''}`]
      : [],
  );
  assert.deepEqual(images.sort(), [
    'a pulled',
    'a2 skipped Image is already being pulled by a',
    'built skipped No image to be pulled',
    'fallback warning pulling 127.0.0.1',
    'never skipped Skipped',
    'pl warning some service images must be built from source',
    'present skipped Image is already present locally',
  ]);
  const strict = await agent.pull(
    { spec: project({ x: service({ image: `${REG}/nope:1` }) }, 'pl2') },
    () => {},
    signal,
  );
  assert.equal(strict.ok, false);
  const lenient = await agent.pull(
    { spec: project({ x: service({ image: `${REG}/nope:1` }) }, 'pl2'), ignorePullFailures: true },
    () => {},
    signal,
  );
  assert.equal(lenient.ok, true);
});

test('fizz build: dependency order, overrides, services without build skipped, stops at the first failure', async () => {
  const { agent, runtime } = testAgent();
  const spec = project(
    {
      base: service({ image: 'my/base:1', build: { context: '/b', args: { A: 'file' } } }),
      app: service({
        image: undefined,
        build: { context: '/a', tags: ['my/app:extra'] },
        depends_on: { base: { condition: 'service_started', required: true } },
      }),
      plain: service(),
    },
    'bd',
  );
  await ok(agent.build({ spec, noCache: true, pull: true, buildArgs: { A: 'cli' } }, () => {}, signal));
  assert.deepEqual(
    runtime.registry.builds.map((b) => [b.tags, b.args, b.noCache, b.pull]),
    [
      [['my/base:1'], { A: 'cli' }, true, true],
      [['bd-app', 'my/app:extra'], { A: 'cli' }, true, true],
    ],
  );
  runtime.registry.failBuild = (req) => (req.tags[0] === 'my/base:1' ? new Error('boom') : undefined);
  const failed = await agent.build({ spec }, () => {}, signal);
  assert.deepEqual(failed.errors, ['service "base": boom']);
  assert.equal(runtime.registry.builds.length, 3, 'app was not built after base failed');
  const unknown = await agent.build({ spec, services: ['nope'] }, () => {}, signal);
  assert.match(unknown.errors[0]!, /no service "nope"/);
});
