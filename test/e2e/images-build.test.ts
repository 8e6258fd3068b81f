/**
 * Builds on the real engine, offline from fizz/busybox: `fizz build` with a Dockerfile of
 * another name, args, a target stage, labels, extra tags and a .dockerignore; a failing
 * step named with its service, step and Dockerfile line; a git context refused; `up`
 * building a missing image, `up --build` rebuilding and recreating, `--no-build` refusing.
 * Every image is named after this process and removed afterwards.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  containerIds,
  docker,
  eventually,
  type Run,
  type Sandbox,
  SKIP_DOCKER,
  SKIP_REASON,
  sandbox,
} from './harness.js';

const LABEL = `fizz.e2e=${process.pid}`;
const made: string[] = [];

after(async () => {
  if (SKIP_DOCKER) return;
  for (const ref of made) await docker('rmi', '-f', ref).catch(() => '');
  // The intermediate images of failed builds carry the label: remove only those.
  await docker('image', 'prune', '-f', '--filter', `label=${LABEL}`).catch(() => '');
});

function check(r: Run, code: number): void {
  assert.equal(r.code, code, `exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

function files(dir: string, entries: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(entries)) writeFileSync(join(dir, name), text);
}

async function runIn(image: string, script: string): Promise<string> {
  return docker('run', '--rm', image, 'sh', '-c', script);
}

test(`fizz build: dockerfile, args, target, labels, tags, .dockerignore, --build-arg${SKIP_DOCKER ? SKIP_REASON : ''}`, {
  skip: SKIP_DOCKER,
}, async () => {
  const sb = sandbox('build');
  const image = `${sb.project}-app`;
  const extra = `fizz-e2e-${process.pid}/app:extra`;
  made.push(image, extra);
  try {
    files(join(sb.dir, 'ctx'), {
      'Dockerfile.custom': [
        'FROM fizz/busybox:latest AS base',
        `LABEL ${LABEL}`,
        'ARG GREETING=default',
        'RUN echo "$GREETING" > /greeting',
        'COPY . /ctx',
        'FROM base AS final',
        'RUN touch /final',
        '',
      ].join('\n'),
      '.dockerignore': '# not these\nsecret.txt\n*.log\n!keep.log\n',
      'secret.txt': 'nope',
      'a.log': 'nope',
      'keep.log': 'yes',
      'app.txt': 'app',
    });
    sb.compose(`services:
  app:
    build:
      context: ./ctx
      dockerfile: Dockerfile.custom
      args:
        GREETING: hello
      target: base
      labels:
        org.fizz.test: "yes"
      tags: ["${extra}"]
`);
    const r = await sb.fizz(['build']);
    check(r, 0);
    // The builder adds the labels as a last step of its own.
    assert.match(r.stderr, /app \| Step 1\/6 : FROM fizz\/busybox:latest AS base/);
    assert.match(r.stderr, new RegExp(`Image ${image}  Built`));
    const out = await runIn(
      image,
      'cat /greeting; ls -A /ctx | tr "\\n" " "; test -e /final && echo final || echo base',
    );
    assert.equal(out, 'hello\n.dockerignore Dockerfile.custom app.txt keep.log base\n');
    assert.equal(
      (await docker('image', 'inspect', '-f', '{{index .Config.Labels "org.fizz.test"}}', extra)).trim(),
      'yes',
    );

    check(await sb.fizz(['build', '--build-arg', 'GREETING=cli', 'app']), 0);
    assert.equal(await runIn(image, 'cat /greeting'), 'cli\n');
  } finally {
    await sb.cleanup();
  }
});

test(`fizz build: dockerfile_inline, extra_hosts, shm_size and network reach the builder${SKIP_DOCKER ? SKIP_REASON : ''}`, {
  skip: SKIP_DOCKER,
}, async () => {
  const sb = sandbox('inline');
  const image = `${sb.project}-inline`;
  made.push(image);
  try {
    files(join(sb.dir, 'ctx'), { 'data.txt': 'data' });
    sb.compose(`services:
  inline:
    build:
      context: ./ctx
      dockerfile_inline: |
        FROM fizz/busybox:latest
        LABEL ${LABEL}
        COPY data.txt /data.txt
        RUN grep fizzhost /etc/hosts > /hosts && df -k /dev/shm | tail -n 1 > /shm
      extra_hosts:
        - "fizzhost=10.1.2.3"
        - "otherhost:10.1.2.4"
      shm_size: 96m
      network: none
`);
    const r = await sb.fizz(['build']);
    check(r, 0);
    const out = await runIn(image, 'cat /data.txt; echo; cat /hosts; cat /shm');
    const [data, hosts, shm] = [out.split('\n')[0], out.split('\n')[1], out.split('\n')[2]];
    assert.equal(data, 'data');
    assert.match(hosts ?? '', /^10\.1\.2\.3\s+fizzhost$/);
    assert.match(shm ?? '', /^shm\s+98304\s/);
  } finally {
    await sb.cleanup();
  }
});

test(`a failing build names the service, the step and the line; up still starts the rest${SKIP_DOCKER ? SKIP_REASON : ''}`, {
  skip: SKIP_DOCKER,
}, async () => {
  const sb = sandbox('buildfail');
  made.push(`${sb.project}-bad`, `${sb.project}-git`);
  try {
    files(join(sb.dir, 'bad'), {
      Dockerfile: `FROM fizz/busybox:latest\nLABEL ${LABEL}\n\n# a comment\nRUN echo before\nRUN exit 3\n`,
    });
    sb.compose(`services:
  bad:
    build: ./bad
  git:
    build: https://github.com/example/app.git#main
  ok:
    image: fizz/busybox:latest
    command: ["sleep", "3600"]
    init: true
`);
    const build = await sb.fizz(['build', 'bad']);
    check(build, 1);
    assert.match(build.stderr, /bad \| Step 4\/4 : RUN exit 3/);
    const line = `error: service "bad": building ${sb.project}-bad failed at step 4/4 (${join(sb.dir, 'bad', 'Dockerfile')} line 6: RUN exit 3): The command '/bin/sh -c exit 3' returned a non-zero code: 3`;
    assert.ok(build.stderr.split('\n').includes(line), build.stderr);

    const git = await sb.fizz(['build', 'git']);
    check(git, 1);
    assert.match(
      git.stderr,
      /error: service "git": build context https:\/\/github\.com\/example\/app\.git#main: is a git repository URL; .*clone the repository/,
    );

    const up = await sb.fizz(['up', '-d']);
    check(up, 1);
    const errors = up.stderr.split('\n').filter((l) => l.startsWith('error:'));
    assert.equal(errors.length, 2, up.stderr);
    assert.ok(errors.includes(line), up.stderr);
    const ids = await containerIds(sb.project);
    assert.equal(ids.length, 1);
    assert.equal(
      (await docker('inspect', '-f', '{{index .Config.Labels "fizz.service"}}', ids[0]!)).trim(),
      'ok',
    );
  } finally {
    await sb.cleanup();
  }
});

async function logsOf(sb: Sandbox): Promise<string> {
  const r = await sb.fizz(['logs', 'web']);
  return r.stdout;
}

test(`up builds a missing image; up --build rebuilds and recreates; --no-build refuses${SKIP_DOCKER ? SKIP_REASON : ''}`, {
  skip: SKIP_DOCKER,
}, async () => {
  const sb = sandbox('upbuild');
  const image = `${sb.project}-web`;
  made.push(image);
  try {
    const ctx = join(sb.dir, 'web');
    files(ctx, {
      Dockerfile: `FROM fizz/busybox:latest\nLABEL ${LABEL}\nCOPY msg /msg\nCMD ["sh", "-c", "cat /msg; sleep 3600"]\n`,
      msg: 'v1\n',
    });
    sb.compose('services:\n  web:\n    build: ./web\n    init: true\n');
    const first = await sb.fizz(['up', '-d']);
    check(first, 0);
    assert.match(first.stderr, new RegExp(`Image ${image}  Building`));
    await eventually(
      async () => ((await logsOf(sb)).includes('v1') ? true : undefined),
      10_000,
      'v1 in the logs',
    );
    const [before] = await containerIds(sb.project);

    writeFileSync(join(ctx, 'msg'), 'v2\n');
    const again = await sb.fizz(['up', '-d']);
    check(again, 0);
    assert.doesNotMatch(again.stderr, /Building/);
    assert.deepEqual(await containerIds(sb.project), [before]);

    const rebuilt = await sb.fizz(['up', '-d', '--build']);
    check(rebuilt, 0);
    assert.match(rebuilt.stderr, new RegExp(`Image ${image}  Built`));
    const [after] = await containerIds(sb.project);
    assert.notEqual(after, before);
    await eventually(
      async () => ((await logsOf(sb)).includes('v2') ? true : undefined),
      10_000,
      'v2 in the logs',
    );

    check(await sb.fizz(['down']), 0);
    await docker('rmi', image);
    const refused = await sb.fizz(['up', '-d', '--no-build']);
    check(refused, 1);
    assert.match(
      refused.stderr,
      new RegExp(`error: service "web": image "${image}": .*--no-build forbids building it`),
    );
  } finally {
    await sb.cleanup();
  }
});
