/**
 * `mesh`: on real hosts (the harness of test/cluster), a TCP echo replica on h2 reached from
 * h1's namespace two ways in the same run: through Fizz's path (h1's own address, the
 * published port DNATed into the WireGuard tunnel to the replica on h2) and directly (h2's
 * address, the engine's own port mapping, no tunnel); and, for throughput, a third way: the
 * tunnel alone (the replica's own address on the mesh, no ingress DNAT or masquerade), which
 * bounds what any ingress rules could reach. Throughput (bytes through the echo and
 * back), request latency (64-byte round trips on one connection), the CPU the two
 * wireguard-go processes spend per GB, and the failed connections (one every 100 ms) while
 * the host of one of two replicas is killed. Needs root.
 *
 *   npm run bench -- mesh [--mb 200] [--rounds 2] [--requests 2000] [--cluster na --subnet 10.236.0]
 *                       [--lan-mtu 9000]   the hosts' links carry jumbo frames (the mesh follows: MTU − 80)
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Cluster } from '../test/cluster/harness.js';
import { programInNetns } from '../test/cluster/procs.js';
import { type Benchmark, median, parseOptions, percentile, round } from './benchmark.js';

const DIR = '/tmp/fizz-mesh-bench';
const CLIENT = fileURLToPath(new URL('./mesh-client/client.js', import.meta.url));
const TICKS_PER_S = 100;

function compose(): string {
  const echo = (port: number) => `["nc", "-ll", "-p", "${port}", "-e", "cat"]`;
  return [
    'name: meshbench',
    'services:',
    '  echo:',
    '    image: fizz/busybox:latest',
    `    command: ${echo(7000)}`,
    '    init: true',
    '    ports: ["7000:7000"]',
    '    deploy: { placement: { constraints: ["node.hostname==h2"] } }',
    '  pair:',
    '    image: fizz/busybox:latest',
    `    command: ${echo(7000)}`,
    '    init: true',
    '    ports: ["7001:7000"]',
    '    deploy: { replicas: 2, placement: { constraints: ["node.hostname!=h1"] } }',
    '',
  ].join('\n');
}

/** CPU seconds of the wireguard-go processes in the hosts' namespaces. */
function wgCpu(cluster: Cluster, hosts: string[]): number {
  let ticks = 0;
  for (const h of hosts)
    for (const pid of programInNetns(cluster.host(h).netnsPath, 'wireguard-go')) {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    }
  return ticks / TICKS_PER_S;
}

const bench: Benchmark = {
  name: 'mesh',
  description: "h1 → echo replica on h2: Fizz's mesh path against the engine's direct port, same run",
  async run(args) {
    const opts = parseOptions(args);
    const mb = Number(opts.get('mb') ?? 200);
    const rounds = Number(opts.get('rounds') ?? 2);
    const requests = Number(opts.get('requests') ?? 2000);
    // Its own cluster name and /24, so that it can run beside the tests (default: mesh.test.ts's).
    const subnet = opts.get('subnet') ?? '10.236.0';
    const lanMtu = opts.has('lan-mtu') ? Number(opts.get('lan-mtu')) : undefined;
    const cluster = new Cluster({
      name: opts.get('cluster') ?? 'na',
      subnet,
      ...(lanMtu !== undefined ? { mtu: lanMtu } : {}),
      progress: (l) => process.stderr.write(`${l}\n`),
    });
    const client = async (argv: string[]) => {
      const r = await cluster.exec('h1', [process.execPath, CLIENT, ...argv], { timeoutMs: 300_000 });
      if (r.code !== 0) throw new Error(`client ${argv.join(' ')}: ${r.stderr}`);
      return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    };
    try {
      await cluster.down();
      mkdirSync(DIR, { recursive: true });
      writeFileSync(`${DIR}/compose.yaml`, compose());
      await cluster.up(3);
      const up = await cluster.exec('h1', ['fizz', 'up', '-d'], { cwd: DIR, timeoutMs: 120_000 });
      if (up.code !== 0) throw new Error(`fizz up: ${up.stderr}`);
      // The tunnel alone: h1 to the replica's own address on h2's mesh network (no ingress DNAT).
      const replicaIp = (
        await cluster.exec('h2', [
          'docker',
          'inspect',
          '-f',
          '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}',
          'meshbench-echo-1',
        ])
      ).stdout
        .trim()
        .split(' ')[0]!;
      const paths = { fizz: `${subnet}.11`, direct: `${subnet}.12`, tunnel: replicaIp } as const;
      // Until every path answers (placement, the mesh's rules and the handshake).
      for (const host of Object.values(paths))
        for (let i = 0; ; i++) {
          const r = await client(['probe', host, '7000', '1', '0']);
          if (r.results[0].ok) break;
          if (i > 120) throw new Error(`${host}:7000 never answered`);
          await new Promise((res) => setTimeout(res, 500));
        }
      const lat = { fizz: [] as number[], direct: [] as number[], tunnel: [] as number[] };
      const tput = { fizz: [] as number[], direct: [] as number[], tunnel: [] as number[] };
      let cpu = 0;
      let bytes = 0;
      for (let k = 0; k < rounds; k++)
        for (const path of ['direct', 'fizz', 'tunnel'] as const) {
          lat[path].push(...(await client(['latency', paths[path], '7000', String(requests)])).samples);
          const before = wgCpu(cluster, ['h1', 'h2']);
          const t = await client(['throughput', paths[path], '7000', String(mb)]);
          if (path === 'fizz') {
            cpu += wgCpu(cluster, ['h1', 'h2']) - before;
            bytes += t.bytes * 2; // through the echo and back: both directions cross the tunnel
          }
          tput[path].push(t.bytes / t.seconds / 1e6);
        }
      // Failover: connections every 100 ms to h1:7001 (ingress to the pair on h2 and h3); kill h3.
      const probing = client(['probe', paths.fizz, '7001', '150', '100']);
      await new Promise((res) => setTimeout(res, 3000));
      await cluster.kill('h3');
      const probes = (await probing).results as Array<{ ok: boolean }>;
      const failoverErrors = probes.filter((p) => !p.ok).length;

      const p50 = (p: 'fizz' | 'direct') => median(lat[p]);
      const p99 = (p: 'fizz' | 'direct') => percentile(lat[p], 99);
      const mbps = (p: 'fizz' | 'direct' | 'tunnel') => median(tput[p]);
      const json = {
        throughput_ratio: round(mbps('fizz') / mbps('direct'), 3),
        added_p50_ms: round(p50('fizz') - p50('direct'), 3),
        added_p99_ms: round(p99('fizz') - p99('direct'), 3),
        cpu_s_per_gb: round(cpu / (bytes / 1e9), 2),
        failover_errors: failoverErrors,
        fizz_mb_s: round(mbps('fizz'), 1),
        direct_mb_s: round(mbps('direct'), 1),
        tunnel_mb_s: round(mbps('tunnel'), 1),
        fizz_p50_ms: round(p50('fizz'), 3),
        direct_p50_ms: round(p50('direct'), 3),
        fizz_p99_ms: round(p99('fizz'), 3),
        direct_p99_ms: round(p99('direct'), 3),
        failover_probes: probes.length,
        lan_mtu: lanMtu ?? 1500,
      };
      return {
        rows: [
          ['throughput, Fizz path (MB/s)', json.fizz_mb_s, `median of ${rounds} × ${mb} MB echoed`],
          ['throughput, direct (MB/s)', json.direct_mb_s, 'engine port on h2, no tunnel'],
          [
            'throughput, tunnel alone (MB/s)',
            json.tunnel_mb_s,
            `h1 to the replica's mesh address ${replicaIp}: no ingress DNAT`,
          ],
          ['throughput_ratio', json.throughput_ratio, 'bar ≥ 0.5'],
          [
            'p50 latency Fizz / direct (ms)',
            `${json.fizz_p50_ms} / ${json.direct_p50_ms}`,
            `${lat.fizz.length} round trips each`,
          ],
          ['p99 latency Fizz / direct (ms)', `${json.fizz_p99_ms} / ${json.direct_p99_ms}`, ''],
          ['added_p50_ms', json.added_p50_ms, 'bar < 1 ms'],
          ['added_p99_ms', json.added_p99_ms, ''],
          ['cpu_s_per_gb', json.cpu_s_per_gb, 'wireguard-go on both ends, user+system'],
          ['lan_mtu', json.lan_mtu, "the hosts' links; the mesh takes 80 less"],
          ['failover_errors', failoverErrors, `of ${probes.length} connections, 1 per 100 ms, h3 killed`],
        ],
        json,
      };
    } finally {
      await cluster.down();
    }
  },
};

export default bench;
