/**
 * Images spread peer to peer on 3 real hosts with no registry: an image built on h1 only
 * reaches the other two when `fizz scale` puts replicas there (every sender cuts its first
 * transfer halfway, FIZZ_TEST_IMAGE_CUT_AT, so that path resumes); an image no node has
 * leaves its replica pending with the reason in `fizz ps` and disturbs nothing else;
 * `fizz image push` sends one to every node ahead of time, down a chain; `fizz images` shows who holds
 * what; a `build:` service is built once, on the host of the `up`, and runs on all three (and
 * `up --build` rolls the new image out to all three); the host that built the image dies and
 * its replica still starts elsewhere.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SKIP_DOCKER, SKIP_REASON } from '../e2e/harness.js';
import { fizzOn, until } from './drive.js';
import { Cluster } from './harness.js';

const ROOT_NEEDED = process.getuid?.() !== 0;
const skip = SKIP_DOCKER ? SKIP_REASON : ROOT_NEEDED ? ' (skipped: the harness needs root)' : '';
const DIR = '/tmp/fizz-images-test';
/**
 * The generated layers: 8 of 2 MB, so a cut at 8 MB is halfway. What the sender handed its
 * stream runs ahead of what arrives (the stream's buffer is lost with the cut), so small
 * layers make sure some arrive whole.
 */
const BLOB_MB = 16;
const BLOB_LAYERS = 8;

interface Row {
  Service: string;
  State: string;
  Node?: string;
  Replica: number;
}

function compose(name: string, services: Record<string, string>): string {
  return [
    `name: ${name}`,
    'services:',
    ...Object.entries(services).flatMap(([s, image]) => [
      `  ${s}:`,
      `    image: ${image}`,
      '    command: ["sleep", "100000"]',
      '    init: true',
    ]),
    '',
  ].join('\n');
}

/** An image only `host` has: fizz/busybox and `layers` layers of random bytes, `mb` MB in all. */
async function buildOn(cluster: Cluster, host: string, tag: string, mb: number, layers = 1): Promise<string> {
  const ctx = join(DIR, tag.replace(/[/:]/g, '-'));
  mkdirSync(ctx, { recursive: true });
  writeFileSync(
    join(ctx, 'Dockerfile'),
    [
      'FROM fizz/busybox:latest',
      ...Array.from(
        { length: layers },
        (_, i) => `RUN head -c ${(mb * 1024 * 1024) / layers} /dev/urandom > /blob${i}`,
      ),
      '',
    ].join('\n'),
  );
  const b = await cluster.exec(host, ['docker', 'build', '-q', '-t', tag, ctx], { timeoutMs: 120_000 });
  assert.equal(b.code, 0, b.stderr);
  return imageId(cluster, host, tag) as Promise<string>;
}

async function imageId(cluster: Cluster, host: string, tag: string): Promise<string | undefined> {
  const r = await cluster.exec(host, ['docker', 'image', 'inspect', '--format', '{{.Id}}', tag]);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

describe(`images spread peer to peer on 3 real hosts${skip}`, { skip: skip !== '' }, () => {
  const cluster = new Cluster({ name: 'im', subnet: '10.246.0' });
  const fizz = fizzOn(cluster, DIR, 180_000);
  const rows = async (host: string, dir = DIR): Promise<Row[]> =>
    JSON.parse(await fizzOn(cluster, dir)(host, ['ps', '--format', 'json']));
  const log = (host: string) => readFileSync(join(cluster.host(host).dir, 'agent.log'), 'utf8');
  let webId = '';

  before(async () => {
    await cluster.down();
    mkdirSync(DIR, { recursive: true });
    writeFileSync(join(DIR, 'compose.yaml'), compose('imtest', { web: 'p2pimg/web:1' }));
    // Each node's first transfer it sends is cut halfway: the asking node must resume.
    process.env.FIZZ_TEST_IMAGE_CUT_AT = String((BLOB_MB / 2) * 1024 * 1024);
    try {
      await cluster.up(3);
    } finally {
      delete process.env.FIZZ_TEST_IMAGE_CUT_AT;
    }
    webId = await buildOn(cluster, 'h1', 'p2pimg/web:1', BLOB_MB, BLOB_LAYERS);
  });
  after(() => cluster.down());

  it('scale puts replicas on hosts without the image: they get it from h1, through a cut transfer', async () => {
    await until('h1 advertises the image', async () => {
      const r = await cluster.exec('h2', ['fizz', 'image', 'ls', '--format', 'json']);
      return r.code === 0 && r.stdout.includes('"Repository":"p2pimg/web"');
    });
    await fizz('h1', ['up', '-d']);
    await fizz('h1', ['scale', 'web=3']);
    await until(
      'three web replicas running, one per host',
      async () => {
        const running = (await rows('h1')).filter((r) => r.State === 'running');
        return running.length === 3 && new Set(running.map((r) => r.Node)).size === 3;
      },
      120_000,
    );
    for (const h of ['h2', 'h3'])
      assert.equal(await imageId(cluster, h, 'p2pimg/web:1'), webId, `${h} has h1's image`);
    assert.match(log('h1'), /FIZZ_TEST_IMAGE_CUT_AT: cutting the transfer/);
    const receivers = log('h2') + log('h3');
    const lines = receivers
      .split('\n')
      .filter((l) => /image transfer|image loaded/.test(l))
      .join('\n');
    assert.match(receivers, /image transfer: resuming/, `the cut transfer resumed:\n${lines}`);
    assert.match(receivers, /image loaded from a peer/);
  });

  it('`fizz image ls` lists which node holds what', async () => {
    const list = JSON.parse(await fizz('h3', ['image', 'ls', '--format', 'json'])) as Array<{
      Node: string;
      Repository: string;
      Tag: string;
      ID: string;
    }>;
    const web = list.filter((i) => i.Repository === 'p2pimg/web' && i.Tag === '1');
    assert.deepEqual(web.map((i) => i.Node).sort(), ['h1', 'h2', 'h3']);
    assert.ok(web.every((i) => webId.includes(i.ID)));
  });

  it('an image no node has: its replica is pending with the reason, nothing else is disturbed', async () => {
    const dir = join(DIR, 'ghost');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'compose.yaml'),
      compose('ghost', { ok: 'fizz/busybox:latest', gone: 'p2pimg/none:1' }),
    );
    const up = await cluster.exec('h2', ['fizz', 'up', '-d'], { cwd: dir, timeoutMs: 120_000 });
    assert.notEqual(up.code, 0, 'up says the image could not be had');
    assert.match(up.stderr + up.stdout, /p2pimg\/none:1/);
    await until('ps on another host lists the pending replica and why', async () => {
      const r = await cluster.exec('h1', ['fizz', 'ps'], { cwd: dir });
      return /pending: gone replica 1: .*no node of the cluster has it/.test(r.stderr);
    });
    // `up` returns with the error of the node that lacks the image; `ok` may still be
    // starting on another one then.
    await until('ok runs', async () =>
      (await rows('h1', dir)).some((r) => r.Service === 'ok' && r.State === 'running'),
    );
    const ghost = await rows('h1', dir);
    assert.deepEqual(
      ghost.filter((r) => r.State === 'running').map((r) => r.Service),
      ['ok'],
    );
    assert.equal((await rows('h1')).filter((r) => r.State === 'running').length, 3, 'web still runs 3');
  });

  it('`fizz image push` sends an image to every node ahead of time, with progress', async () => {
    const id = await buildOn(cluster, 'h2', 'p2pimg/pushed:1', 4);
    const out = await fizz('h2', ['image', 'push', 'p2pimg/pushed:1']);
    assert.match(out, /h1/);
    assert.match(out, /h3/);
    for (const h of ['h1', 'h3'])
      assert.equal(await imageId(cluster, h, 'p2pimg/pushed:1'), id, `${h} has it`);
    // Down a chain: one node got it from h2, the other from that node (passed on as it came).
    const from = ['h1', 'h3'].flatMap((h) =>
      readFileSync(join(cluster.host(h).dir, 'agent.log'), 'utf8')
        .split('\n')
        .filter((l) => l.includes('"msg":"image loaded from a peer"') && l.includes('p2pimg/pushed:1'))
        .map((l) => (JSON.parse(l) as { from: string }).from),
    );
    assert.equal(from.length, 2, `each got it once: ${from.join(', ')}`);
    assert.ok(from.includes('h2') && from.some((f) => f !== 'h2'), `a chain from h2: ${from.join(', ')}`);
  });

  it('a `build:` service: `fizz up` on h1 builds it once and every host runs that image; `up --build` rolls a new one out to every host', async () => {
    const dir = join(DIR, 'built');
    mkdirSync(join(dir, 'app'), { recursive: true });
    const dockerfile = (v: string) =>
      writeFileSync(
        join(dir, 'app', 'Dockerfile'),
        `FROM fizz/busybox:latest\nRUN echo ${v} > /v\nCMD ["sleep", "100000"]\n`,
      );
    dockerfile('v1');
    writeFileSync(
      join(dir, 'compose.yaml'),
      'name: built\nservices:\n  app:\n    build: ./app\n    init: true\n    deploy: { replicas: 3 }\n',
    );
    const built = fizzOn(cluster, dir, 180_000);
    // Every host reads the same build context here (one file system): a host that built
    // for itself would make an image of another id (the RUN step's layer differs).
    const running = async (v: string) => {
      const out: Array<{ host: string; id: string | undefined }> = [];
      for (const host of ['h1', 'h2', 'h3']) {
        const ids = (
          await cluster.exec(host, ['docker', 'ps', '-q', '--filter', 'label=fizz.project=built'])
        ).stdout
          .split('\n')
          .filter(Boolean);
        for (const c of ids) {
          const r = await cluster.exec(host, ['docker', 'exec', c, 'cat', '/v']);
          if (r.stdout.trim() === v) out.push({ host, id: await imageId(cluster, host, 'built-app') });
        }
      }
      return out;
    };
    const rollout = async (v: string) => {
      let seen: Awaited<ReturnType<typeof running>> = [];
      await until(
        `3 replicas of ${v}, one per host`,
        async () => {
          seen = await running(v);
          return seen.length === 3 && new Set(seen.map((s) => s.host)).size === 3;
        },
        120_000,
      );
      const h1 = await imageId(cluster, 'h1', 'built-app');
      assert.ok(h1);
      assert.deepEqual(
        seen.map((s) => s.id),
        [h1, h1, h1],
        `every host runs the image h1 built: ${JSON.stringify(seen)}`,
      );
      return h1;
    };
    await built('h1', ['up', '-d']);
    const first = await rollout('v1');
    dockerfile('v2');
    await built('h1', ['up', '-d', '--build']);
    const second = await rollout('v2');
    assert.notEqual(second, first);
    await built('h1', ['down']);
  });

  it('the host that built the image dies: its replica starts on the others, which have the image', async () => {
    await cluster.kill('h1');
    await until(
      'three web replicas running on h2 and h3',
      async () => {
        const running = (await rows('h2')).filter((r) => r.State === 'running' && r.Service === 'web');
        return running.length === 3 && running.every((r) => r.Node === 'h2' || r.Node === 'h3');
      },
      90_000,
    );
  });
});
