/**
 * `image-transfer`: on 5 real hosts (the harness of test/cluster; no registry anywhere),
 * a ~100 MB image built offline on h1 from generated layers is spread to the 4 other hosts
 * by `fizz image push` (each pulls it over /fizz/image/1, in waves from the nodes that
 * have it). Beside it, the floor, in the same
 * run: `docker save | docker load` of the same image between two engines of this machine
 * (a local pipe, no network, no checks). Then a second image of the same size: the time
 * from `fizz up` of 5 replicas on h1 to the first replica running on a host that lacked it.
 * Where the time goes comes from the agents' logs (save, receive, verify, load). And the
 * bound of any spread on this machine, same run: one `docker save` piped into `docker load`
 * on the 4 peers' engines at once (no network, no encryption, no checks). Needs root.
 *
 *   npm run bench -- image-transfer [--mb 100] [--layers 4]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { Cluster } from '../test/cluster/harness.js';
import { run } from '../test/cluster/sh.js';
import { type Benchmark, median, parseOptions, round } from './benchmark.js';

const DIR = '/tmp/fizz-bench-image-transfer';
const POLL_MS = 20;

async function must(cluster: Cluster, host: string, argv: string[], cwd = DIR): Promise<string> {
  const r = await cluster.exec(host, argv, { cwd, timeoutMs: 600_000 });
  if (r.code !== 0) throw new Error(`${host}: ${argv.join(' ')}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** An image of `layers` RUN layers of random bytes, `mb` MB in all, on `host` only. */
async function build(cluster: Cluster, host: string, tag: string, mb: number, layers: number): Promise<void> {
  const ctx = join(DIR, tag.replace(/[/:]/g, '-'));
  mkdirSync(ctx, { recursive: true });
  const each = Math.floor((mb * 1024 * 1024) / layers);
  // The tag in each step: two images of the same steps would be one image (the build cache).
  const slug = tag.replace(/[/:]/g, '-');
  const runs = Array.from({ length: layers }, (_, i) => `RUN head -c ${each} /dev/urandom > /${slug}-${i}`);
  writeFileSync(join(ctx, 'Dockerfile'), ['FROM fizz/busybox:latest', ...runs, ''].join('\n'));
  await must(cluster, host, ['docker', 'build', '-q', '--no-cache', '-t', tag, ctx]);
}

/** The agent log lines of `msg` about `image` since `from` bytes of the log. */
function logged(cluster: Cluster, host: string, msg: string, from = 0): Array<Record<string, unknown>> {
  const text = readFileSync(join(cluster.host(host).dir, 'agent.log'), 'utf8').slice(from);
  return text
    .split('\n')
    .filter((l) => l.includes(`"msg":"${msg}"`))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const logSize = (cluster: Cluster, host: string) =>
  readFileSync(join(cluster.host(host).dir, 'agent.log'), 'utf8').length;

async function advertised(cluster: Cluster, tag: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await cluster.exec('h2', ['fizz', 'image', 'ls', '--format', 'json']);
    if (r.code === 0 && r.stdout.includes(tag.split(':')[0]!)) return;
    if (Date.now() > deadline) throw new Error(`h1 does not advertise ${tag}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * `docker save` on one engine piped into `docker load` on several at once (each chunk to every
 * load, at the pace of the slowest): ms until every load has ended.
 */
async function fanOut(from: string, to: string[], image: string): Promise<number> {
  const t0 = performance.now();
  const save = spawn('docker', ['-H', `unix://${from}`, 'save', image], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const loads = to.map((s) =>
    spawn('docker', ['-H', `unix://${s}`, 'load', '-q'], { stdio: ['pipe', 'ignore', 'inherit'] }),
  );
  const ended = (p: ReturnType<typeof spawn>, what: string) =>
    new Promise<void>((res, rej) =>
      p.on('close', (code) => (code === 0 ? res() : rej(new Error(`${what} exited ${code}`)))),
    );
  const all = Promise.all([ended(save, 'save'), ...loads.map((l) => ended(l, 'load'))]);
  save.stdout!.on('data', (chunk: Buffer) => {
    let waiting = 0;
    for (const l of loads)
      if (!l.stdin!.write(chunk)) {
        waiting++;
        save.stdout!.pause();
        l.stdin!.once('drain', () => {
          if (--waiting === 0) save.stdout!.resume();
        });
      }
  });
  save.stdout!.on('end', () => {
    for (const l of loads) l.stdin!.end();
  });
  await all;
  return performance.now() - t0;
}

const bench: Benchmark = {
  name: 'image-transfer',
  description: 'a ~100 MB image spread to 4 peers over /fizz/image/1, beside local docker save | docker load',
  async run(args) {
    const opts = parseOptions(args);
    const mb = Number(opts.get('mb') ?? 100);
    const layers = Number(opts.get('layers') ?? 4);
    const cluster = new Cluster({
      name: 'im',
      subnet: '10.246.0',
      progress: (l) => process.stderr.write(`${l}\n`),
    });
    await cluster.down();
    mkdirSync(DIR, { recursive: true });
    try {
      await cluster.up(5);
      const peers = ['h2', 'h3', 'h4', 'h5'];
      await build(cluster, 'h1', 'bench/spread:1', mb, layers);
      await build(cluster, 'h1', 'bench/first:1', mb, layers);
      const size = Number(
        (
          await must(cluster, 'h1', ['docker', 'image', 'inspect', '--format', '{{.Size}}', 'bench/spread:1'])
        ).trim(),
      );

      // The floor: save on h1's engine piped into load on h2's, then h2 forgets it again.
      const [s1, s2] = [cluster.host('h1').engineSocket, cluster.host('h2').engineSocket];
      const f0 = performance.now();
      const floor = await run(
        ['sh', '-c', `docker -H unix://${s1} save bench/spread:1 | docker -H unix://${s2} load -q`],
        { timeoutMs: 600_000 },
      );
      const floorMs = performance.now() - f0;
      if (floor.code !== 0) throw new Error(`floor: ${floor.stderr}`);
      await must(cluster, 'h2', ['docker', 'rmi', 'bench/spread:1']);

      // The bound: the same save into the 4 peers' engines at once, then they forget it again.
      const fanOutMs = await fanOut(
        s1,
        peers.map((h) => cluster.host(h).engineSocket),
        'bench/spread:1',
      );
      for (const h of peers) await must(cluster, h, ['docker', 'rmi', 'bench/spread:1']);

      // The spread: every peer pulls from h1 (or from a peer that has it by then).
      await advertised(cluster, 'bench/spread:1');
      const marks = new Map(['h1', ...peers].map((h) => [h, logSize(cluster, h)]));
      const t0 = performance.now();
      await must(cluster, 'h1', ['fizz', 'image', 'push', 'bench/spread:1']);
      const spreadMs = performance.now() - t0;
      // The push ends on the peers' answers; their log lines may land a moment later.
      let loaded = peers.flatMap((h) => logged(cluster, h, 'image loaded from a peer', marks.get(h)));
      for (let i = 0; i < 50 && loaded.length < peers.length; i++) {
        await new Promise((r) => setTimeout(r, 100));
        loaded = peers.flatMap((h) => logged(cluster, h, 'image loaded from a peer', marks.get(h)));
      }
      // Every node that has it may send (a push goes in waves); each saves once into its cache.
      const sent = ['h1', ...peers].flatMap((h) =>
        logged(cluster, h, 'image transfer: sending', marks.get(h)),
      );
      const saveMs = Math.max(0, ...sent.map((l) => Number(l.saveMs ?? 0)));
      const bytesOnWire = loaded.reduce((n, l) => n + Number(l.bytes ?? 0), 0);
      const med = (k: string) => round(median(loaded.map((l) => Number(l[k] ?? 0))), 0);

      // First replica on a host that lacked the image.
      writeFileSync(
        join(DIR, 'compose.yaml'),
        [
          'name: imbench',
          'services:',
          '  web:',
          '    image: bench/first:1',
          '    command: ["sleep", "100000"]',
          '    init: true',
          '    deploy:',
          '      replicas: 5',
          '',
        ].join('\n'),
      );
      await advertised(cluster, 'bench/first:1');
      const dockers = peers.map(
        (h) => new Docker({ socketPath: cluster.host(h).engineSocket, version: 'v1.41' }),
      );
      const r0 = performance.now();
      const up = must(cluster, 'h1', ['fizz', 'up', '-d']);
      let firstMs = Number.NaN;
      while (Number.isNaN(firstMs)) {
        const lists = await Promise.all(
          dockers.map((d) =>
            d
              .listContainers({
                filters: JSON.stringify({ label: ['fizz.project=imbench'], status: ['running'] }),
              })
              .catch(() => []),
          ),
        );
        if (lists.some((l) => l.length > 0)) firstMs = performance.now() - r0;
        else if (performance.now() - r0 > 600_000) throw new Error('no replica on a peer within 10 min');
        else await new Promise((r) => setTimeout(r, POLL_MS));
      }
      await up;

      const ratio = spreadMs / floorMs;
      const rows: Array<[string, string | number, string?]> = [
        ['image', `${round(size / 1e6, 1)} MB`, `${layers} generated layers on fizz/busybox`],
        ['floor_ms', round(floorMs, 0), 'docker save | docker load, two engines of this machine'],
        ['spread_ms', round(spreadMs, 0), `fizz image push to ${peers.length} peers`],
        ['ratio', round(ratio, 2), 'bar: < 2'],
        [
          'fan_out_ms',
          round(fanOutMs, 0),
          `save piped into ${peers.length} engines' loads at once, no network: ${round(fanOutMs / floorMs, 2)} × floor`,
        ],
        ['bytes_on_wire', bytesOnWire, `archive bytes received by the ${loaded.length} peers`],
        ['save_ms', round(saveMs, 0), 'a sender: docker save into its cache (the slowest)'],
        ['receive_ms (median)', med('receiveMs'), 'a peer: the archive over the wire into its spool'],
        ['verify_ms (median)', med('verifyMs'), 'a peer: every digest checked'],
        ['load_ms (median)', med('loadMs'), 'a peer: docker load of the spool'],
        ['first_replica_ms', round(firstMs, 0), 'fizz up of 5 replicas: first running on a peer'],
      ];
      return {
        rows,
        json: {
          image_bytes: size,
          hosts: 5,
          floor_ms: round(floorMs, 0),
          spread_ms: round(spreadMs, 0),
          ratio: round(ratio, 2),
          fan_out_ms: round(fanOutMs, 0),
          fan_out_ratio: round(fanOutMs / floorMs, 2),
          bytes_on_wire: bytesOnWire,
          first_replica_ms: round(firstMs, 0),
          save_ms: round(saveMs, 0),
          receive_ms: med('receiveMs'),
          verify_ms: med('verifyMs'),
          load_ms: med('loadMs'),
          bar_met: ratio < 2,
        },
      };
    } finally {
      await cluster.down();
    }
  },
};

export default bench;
