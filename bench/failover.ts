/**
 * `failover`: on 5 real hosts (network namespaces, an engine and an agent each; the
 * harness of test/cluster), the time from `kill -9` of a host (agent, engine and
 * containers) to each of its replicas running on a survivor and answering HTTP there; the
 * replicas moved per kill against the ideal (only the dead host's); the load max/mean after.
 * The anchor is measured on the same hosts: their engines form a Docker Swarm, run the same
 * replicas as a swarm service, and the same kind of kill is timed. The whole-cluster
 * simulation (1,000 nodes) adds the sim_* keys. Needs root.
 *
 *   npm run bench -- failover [--kills 20] [--swarm-kills 5] [--hosts 5] [--replicas 10]
 */
import { request } from 'node:http';
import Docker from 'dockerode';
import { Cluster } from '../test/cluster/harness.js';
import { runClusterSim, simKeys } from '../test/cluster-sim/sim.js';
import { type Benchmark, parseOptions, percentile, round } from './benchmark.js';

const PROJECT = 'fobench';
const POLL_MS = 20;

interface Replica {
  slot: string;
  host: string;
  port?: number;
}

function engines(cluster: Cluster): Map<string, Docker> {
  return new Map(
    cluster.hosts().map((h) => [h.name, new Docker({ socketPath: h.engineSocket, version: 'v1.41' })]),
  );
}

/** Running replicas on each listed host: by the Fizz slot label, or a swarm task's slot. */
async function running(
  dockers: Map<string, Docker>,
  hosts: string[],
  kind: 'fizz' | 'swarm',
): Promise<Replica[]> {
  const filters =
    kind === 'fizz'
      ? { label: [`fizz.project=${PROJECT}`], status: ['running'] }
      : { label: ['com.docker.swarm.service.name=fobench'], status: ['running'] };
  const lists = await Promise.all(
    hosts.map(async (host) => {
      try {
        const list = await dockers.get(host)!.listContainers({ filters: JSON.stringify(filters) });
        return list.map((c): Replica => {
          const slot =
            kind === 'fizz'
              ? (c.Labels['fizz.slot'] ?? '?')
              : (c.Labels['com.docker.swarm.task.name'] ?? c.Id).replace(/\.[^.]*$/, '');
          const port = c.Ports.find((p) => p.PublicPort)?.PublicPort;
          return port === undefined ? { slot, host } : { slot, host, port };
        });
      } catch {
        return [];
      }
    }),
  );
  return lists.flat();
}

function httpOk(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host: address, port, path: '/', timeout: 500 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface KillFigures {
  runningMs: number[];
  httpMs: number[];
  moved: number;
  ideal: number;
  loadMaxOverMean: number;
}

/**
 * Kills `victim` and times each of its replicas to running (and answering, with `http`) on
 * a survivor; then counts the replicas whose host changed among the survivors' too.
 */
async function timeKill(
  cluster: Cluster,
  dockers: Map<string, Docker>,
  victim: string,
  kind: 'fizz' | 'swarm',
  total: number,
  timeoutMs: number,
): Promise<KillFigures> {
  const all = cluster.hosts().map((h) => h.name);
  const survivors = all.filter((h) => h !== victim);
  const address = new Map(cluster.hosts().map((h) => [h.name, h.address]));
  const before = await running(dockers, all, kind);
  const lost = new Set(before.filter((r) => r.host === victim).map((r) => r.slot));
  const placeBefore = new Map(before.map((r) => [r.slot, r.host]));
  const t0 = performance.now();
  await cluster.kill(victim);
  const runningAt = new Map<string, number>();
  const httpAt = new Map<string, number>();
  while (performance.now() - t0 < timeoutMs) {
    const now = await running(dockers, survivors, kind);
    const t = performance.now() - t0;
    await Promise.all(
      now.map(async (r) => {
        if (!lost.has(r.slot)) return;
        if (!runningAt.has(r.slot)) runningAt.set(r.slot, t);
        if (!httpAt.has(r.slot) && r.port !== undefined && (await httpOk(address.get(r.host)!, r.port)))
          httpAt.set(r.slot, performance.now() - t0);
      }),
    );
    const slots = new Set(now.map((r) => r.slot));
    if (httpAt.size >= lost.size && slots.size >= total) break;
    await sleep(POLL_MS);
  }
  // Moves among the survivors show once the cluster has settled.
  await sleep(2000);
  const after = await running(dockers, survivors, kind);
  let moved = 0;
  for (const r of after) if (placeBefore.get(r.slot) !== r.host) moved++;
  const perHost = survivors.map((h) => after.filter((r) => r.host === h).length);
  const mean = perHost.reduce((a, b) => a + b, 0) / perHost.length;
  return {
    runningMs: [...lost].map((s) => runningAt.get(s) ?? timeoutMs),
    httpMs: [...lost].map((s) => httpAt.get(s) ?? timeoutMs),
    moved,
    ideal: lost.size,
    loadMaxOverMean: mean > 0 ? Math.max(...perHost) / mean : 0,
  };
}

/**
 * Waits until `total` replicas run exactly once over every host and where they run has not
 * changed for 3 s (a returning host's replicas are handed back make-before-break).
 */
async function settled(dockers: Map<string, Docker>, hosts: string[], kind: 'fizz' | 'swarm', total: number) {
  const deadline = Date.now() + 120_000;
  let last = '';
  let since = Date.now();
  while (Date.now() < deadline) {
    const now = await running(dockers, hosts, kind);
    const slots = new Set(now.map((r) => r.slot));
    const where = now
      .map((r) => `${r.slot}@${r.host}`)
      .sort()
      .join(' ');
    if (where !== last) {
      last = where;
      since = Date.now();
    }
    if (now.length === total && slots.size === total && Date.now() - since >= 3000) return;
    await sleep(250);
  }
  throw new Error(`${kind}: ${total} replicas did not settle exactly once in 120 s`);
}

async function must(cluster: Cluster, host: string, argv: string[], cwd?: string): Promise<string> {
  const r = await cluster.exec(host, argv, { timeoutMs: 180_000, ...(cwd ? { cwd } : {}) });
  if (r.code !== 0) throw new Error(`${host}: ${argv.join(' ')}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

const bench: Benchmark = {
  name: 'failover',
  description: 'kill -9 of a host: its replicas running and answering on survivors, against Docker Swarm',
  async run(args) {
    const opts = parseOptions(args);
    const kills = Number(opts.get('kills') ?? 20);
    const swarmKills = Number(opts.get('swarm-kills') ?? 5);
    const hosts = Number(opts.get('hosts') ?? 5);
    const total = Number(opts.get('replicas') ?? 10);
    const cluster = new Cluster({ name: 'fb', subnet: '10.233.0' });
    await cluster.down();
    const fizzFig: KillFigures[] = [];
    const swarmFig: KillFigures[] = [];
    try {
      await cluster.up(hosts);
      const names = cluster.hosts().map((h) => h.name);
      const dockers = engines(cluster);
      const dir = '/tmp/fizz-failover-bench';
      const compose = [
        `name: ${PROJECT}`,
        'services:',
        '  web:',
        '    image: fizz/busybox:latest',
        '    command: ["httpd", "-f", "-p", "80", "-h", "/www"]',
        '    init: true',
        '    ports: ["80"]',
        '    deploy:',
        `      replicas: ${total}`,
        '',
      ].join('\n');
      await cluster.exec('h1', ['sh', '-c', `mkdir -p ${dir} && cat > ${dir}/compose.yaml`], {
        input: compose,
      });
      await must(cluster, 'h1', ['fizz', 'up', '-d'], dir);
      await settled(dockers, names, 'fizz', total);
      for (let k = 0; k < kills; k++) {
        // Every host but h1 (where the bench's commands run) in turn.
        const victim = names[1 + (k % (names.length - 1))]!;
        fizzFig.push(await timeKill(cluster, dockers, victim, 'fizz', total, 60_000));
        await cluster.restart(victim);
        await settled(dockers, names, 'fizz', total);
      }
      await must(cluster, 'h1', ['fizz', 'down'], dir);

      // The anchor: the same engines as a swarm, the same replicas as a service.
      const h1 = cluster.host('h1');
      await must(cluster, 'h1', ['docker', 'swarm', 'init', '--advertise-addr', h1.address]);
      const token = (await must(cluster, 'h1', ['docker', 'swarm', 'join-token', '-q', 'worker'])).trim();
      for (const h of names.slice(1))
        await must(cluster, h, ['docker', 'swarm', 'join', '--token', token, `${h1.address}:2377`]);
      await must(cluster, 'h1', [
        'docker',
        'service',
        'create',
        '--detach',
        '--no-resolve-image',
        '--name',
        'fobench',
        '--replicas',
        String(total),
        '--publish',
        'mode=host,target=80',
        'fizz/busybox:latest',
        'httpd',
        '-f',
        '-p',
        '80',
        '-h',
        '/www',
      ]);
      await settled(dockers, names, 'swarm', total);
      for (let k = 0; k < swarmKills; k++) {
        const victim = names[1 + (k % (names.length - 1))]!;
        swarmFig.push(await timeKill(cluster, dockers, victim, 'swarm', total, 90_000));
        await cluster.restart(victim);
        await settled(dockers, names, 'swarm', total).catch(() => {});
      }
    } finally {
      await cluster.down();
    }

    const sim = simKeys(
      runClusterSim({
        nodes: Number(opts.get('sim-nodes') ?? 1000),
        replicas: Number(opts.get('sim-replicas') ?? 10_000),
        killed: Number(opts.get('sim-killed') ?? 100),
        seed: 1,
      }),
    );
    const flat = (f: KillFigures[], k: 'runningMs' | 'httpMs') => f.flatMap((x) => x[k]);
    const moved = fizzFig.reduce((a, f) => a + f.moved, 0);
    const ideal = fizzFig.reduce((a, f) => a + f.ideal, 0);
    const json = {
      kills: fizzFig.length,
      running_p50_ms: round(percentile(flat(fizzFig, 'runningMs'), 50), 0),
      running_p99_ms: round(percentile(flat(fizzFig, 'runningMs'), 99), 0),
      http_p50_ms: round(percentile(flat(fizzFig, 'httpMs'), 50), 0),
      http_p99_ms: round(percentile(flat(fizzFig, 'httpMs'), 99), 0),
      moved_over_ideal: ideal > 0 ? round(moved / ideal, 2) : null,
      load_max_over_mean: round(Math.max(...fizzFig.map((f) => f.loadMaxOverMean)), 2),
      ...sim,
      swarm_kills: swarmFig.length,
      swarm_running_p50_ms: round(percentile(flat(swarmFig, 'runningMs'), 50), 0),
      swarm_running_p99_ms: round(percentile(flat(swarmFig, 'runningMs'), 99), 0),
      ratio_vs_swarm_p99: 0,
      hosts,
      replicas: total,
    };
    json.ratio_vs_swarm_p99 =
      json.swarm_running_p99_ms > 0 ? round(json.running_p99_ms / json.swarm_running_p99_ms, 3) : 0;
    return {
      rows: [
        ['kills (fizz / swarm)', `${json.kills} / ${json.swarm_kills}`, `${hosts} hosts, ${total} replicas`],
        [
          'kill → running on a survivor, p50 / p99',
          `${json.running_p50_ms} / ${json.running_p99_ms} ms`,
          'bar: p99 < 3000 ms',
        ],
        ['kill → answering HTTP there, p50 / p99', `${json.http_p50_ms} / ${json.http_p99_ms} ms`],
        ['replicas moved / the dead host held', String(json.moved_over_ideal), 'bar: 1.05'],
        ['load max / mean after (worst kill)', String(json.load_max_over_mean)],
        [
          'swarm: kill → running, p50 / p99',
          `${json.swarm_running_p50_ms} / ${json.swarm_running_p99_ms} ms`,
          'same hosts, same run',
        ],
        ['fizz p99 / swarm p99', String(json.ratio_vs_swarm_p99)],
        [
          'nomad (documented defaults, not run)',
          '~20–30 s',
          'heartbeat grace 10 s + missed heartbeats, then reschedule',
        ],
        [
          'sim: periods to exactly once',
          String(json.sim_reconverge_periods),
          '1000 nodes, 10k replicas, 10% killed',
        ],
        [
          'sim: missing / duplicate replica-s',
          `${json.sim_missing_replica_s} / ${json.sim_duplicate_replica_s}`,
        ],
      ],
      json,
    };
  },
};

export default bench;
