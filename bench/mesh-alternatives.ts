/**
 * `mesh-alternatives`: the ways traffic could cross between two hosts, measured side by side
 * in the same run, to justify the mesh's choice (README, Service networking): two network
 * namespaces on a bridge (the harness's, test/cluster/network.ts; no engine, no agent), a
 * TCP echo on h2, and a client on h1 reaching it
 *   - direct: h2's address, nothing in between (the floor);
 *   - vxlan: the kernel's VXLAN, as Swarm's overlay (this kernel has no IPsec ESP to encrypt
 *     it, so it is NOT encrypted: the cost of an overlay alone);
 *   - wireguard: wireguard-go and `wg`, Fizz's tunnel without Fizz's rules;
 *   - tls-proxy: a userspace TCP proxy on each end (Node, OpenSSL's AES-128-GCM, PSK), the
 *     "proxy the published ports" design;
 *   - socat-tls: the same with socat's relay (C, OpenSSL, TLS 1.3), when socat is installed
 *     (the setup does not install it): whether a native relay does better than Node's.
 * For each: throughput (bytes through the echo and back), p50/p99 latency of 64-byte round
 * trips, and the CPU the whole machine spent per GB echoed. Needs root.
 *
 *   npm run bench -- mesh-alternatives [--mb 200] [--rounds 2] [--requests 2000] [--subnet 10.251.0]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { clusterLayout, type HostLayout, hostLayout } from '../test/cluster/layout.js';
import { createBridge, createHostNetwork, removeBridge, removeHostNetwork } from '../test/cluster/network.js';
import { programInNetns } from '../test/cluster/procs.js';
import { inNetns, must, run } from '../test/cluster/sh.js';
import { type Benchmark, median, parseOptions, percentile, round } from './benchmark.js';

const CLIENT = fileURLToPath(new URL('./mesh-client/client.js', import.meta.url));
const RELAY = fileURLToPath(new URL('./mesh-client/relay.js', import.meta.url));
const DIR = '/tmp/fizz-mesh-alternatives';
const PATHS = ['direct', 'vxlan', 'wireguard', 'tls-proxy', 'socat-tls'] as const;
type Path = (typeof PATHS)[number];

/** Busy jiffies of the whole machine (all but idle and iowait), from /proc/stat. */
function busyTicks(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return f.reduce((a, b) => a + b, 0) - f[3]! - f[4]!;
}

/** Starts `argv` in the host's namespace, killed at the end with the others in `procs`. */
function start(h: HostLayout, argv: string[], procs: ChildProcess[]): ChildProcess {
  const full = inNetns(h.netnsPath, argv);
  const p = spawn(full[0]!, full.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  procs.push(p);
  return p;
}

/** Starts `argv` (relay.js) and resolves once it printed "ready". */
function serve(h: HostLayout, argv: string[], procs: ChildProcess[]): Promise<void> {
  const p = start(h, argv, procs);
  return new Promise((res, rej) => {
    p.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) res();
    });
    p.once('exit', (code) => rej(new Error(`${argv.join(' ')} exited ${code}`)));
  });
}

const bench: Benchmark = {
  name: 'mesh-alternatives',
  description: 'h1 → echo on h2: direct, VXLAN (unencrypted), wireguard-go, TLS proxies; same run',
  async run(args) {
    const opts = parseOptions(args);
    const mb = Number(opts.get('mb') ?? 200);
    const rounds = Number(opts.get('rounds') ?? 2);
    const requests = Number(opts.get('requests') ?? 2000);
    const c = clusterLayout({
      name: 'alt',
      subnet: opts.get('subnet') ?? '10.251.0',
      root: '/run/fizz-cluster',
    });
    const [a, b] = [hostLayout(c, 1), hostLayout(c, 2)];
    const procs: ChildProcess[] = [];
    const ns = (h: HostLayout, ...argv: string[]) => must(inNetns(h.netnsPath, argv));
    const teardown = async () => {
      for (const p of procs) p.kill('SIGKILL');
      for (const h of [a, b]) {
        for (const pid of programInNetns(h.netnsPath, 'wireguard-go')) process.kill(pid, 'SIGKILL');
        await removeHostNetwork(h);
      }
      await removeBridge(c);
      rmSync(DIR, { recursive: true, force: true });
    };
    await teardown();
    try {
      mkdirSync(DIR, { recursive: true, mode: 0o700 });
      await createBridge(c);
      for (const h of [a, b]) await createHostNetwork(c, h);
      const peerOf = (h: HostLayout) => (h === a ? b : a);

      // VXLAN: 10.252.1.0/24 over the bridge, the kernel's default MTU (1450).
      for (const h of [a, b]) {
        await ns(
          h,
          'ip',
          'link',
          'add',
          'fzvx0',
          'type',
          'vxlan',
          'id',
          '4242',
          'remote',
          peerOf(h).address,
          'dstport',
          '4789',
          'dev',
          'eth0',
        );
        await ns(h, 'ip', 'addr', 'add', `10.252.1.${h.index}/24`, 'dev', 'fzvx0');
        await ns(h, 'ip', 'link', 'set', 'fzvx0', 'up');
      }
      // WireGuard: 10.252.2.0/24, MTU 1420 as Fizz's mesh on a 1500-byte link. A name per host:
      // wireguard-go's control socket (/var/run/wireguard/NAME.sock) is not per namespace.
      const keys = new Map<HostLayout, { priv: string; pub: string }>();
      for (const h of [a, b]) {
        const priv = (await must(['wg', 'genkey'])).trim();
        const pub = (await must(['sh', '-c', `printf '%s' '${priv}' | wg pubkey`])).trim();
        keys.set(h, { priv, pub });
        writeFileSync(`${DIR}/${h.name}.key`, `${priv}\n`, { mode: 0o600 });
      }
      for (const h of [a, b]) {
        const peer = peerOf(h);
        await ns(h, 'wireguard-go', `fzwg${h.index}`);
        await ns(
          h,
          'wg',
          'set',
          `fzwg${h.index}`,
          'listen-port',
          '51820',
          'private-key',
          `${DIR}/${h.name}.key`,
          'peer',
          keys.get(peer)!.pub,
          'allowed-ips',
          `10.252.2.${peer.index}/32`,
          'endpoint',
          `${peer.address}:51820`,
        );
        await ns(h, 'ip', 'addr', 'add', `10.252.2.${h.index}/24`, 'dev', `fzwg${h.index}`);
        await ns(h, 'ip', 'link', 'set', `fzwg${h.index}`, 'mtu', '1420', 'up');
      }
      // The echo on h2, and the TLS proxy's two ends.
      const psk = randomBytes(32).toString('hex');
      await serve(b, [process.execPath, RELAY, 'echo', '7000'], procs);
      await serve(b, [process.execPath, RELAY, 'tls-in', '7443', '7000', psk], procs);
      await serve(a, [process.execPath, RELAY, 'tls-out', '7100', b.address, '7443', psk], procs);

      // socat's TLS relay (C, OpenSSL, TLS 1.3), self-signed, 64 KiB buffers: when installed.
      const haveSocat = (await run(['sh', '-c', 'command -v socat'])).code === 0;
      const paths = PATHS.filter((p) => p !== 'socat-tls' || haveSocat);
      if (haveSocat) {
        const [key, cert] = [`${DIR}/k.pem`, `${DIR}/c.pem`];
        await must(
          ['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'].concat([
            '-nodes',
            '-keyout',
            key,
            '-out',
            cert,
            '-days',
            '1',
            '-subj',
            '/CN=fizz-bench',
          ]),
        );
        const tls = `cert=${cert},key=${key},verify=0`;
        start(
          b,
          ['socat', '-b', '65536', `OPENSSL-LISTEN:7444,reuseaddr,fork,${tls}`, 'TCP:127.0.0.1:7000,nodelay'],
          procs,
        );
        start(
          a,
          [
            'socat',
            '-b',
            '65536',
            'TCP-LISTEN:7101,bind=127.0.0.1,reuseaddr,fork,nodelay',
            `OPENSSL:${b.address}:7444,verify=0,nodelay`,
          ],
          procs,
        );
      }
      const target: Record<Path, [string, string]> = {
        direct: [b.address, '7000'],
        vxlan: ['10.252.1.2', '7000'],
        wireguard: ['10.252.2.2', '7000'],
        'tls-proxy': ['127.0.0.1', '7100'],
        'socat-tls': ['127.0.0.1', '7101'],
      };
      const client = async (argv: string[]) => {
        const r = await run(inNetns(a.netnsPath, [process.execPath, CLIENT, ...argv]), {
          timeoutMs: 300_000,
        });
        if (r.code !== 0) throw new Error(`client ${argv.join(' ')}: ${r.stderr}`);
        return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
      };
      // Until each answers (socat prints nothing when it listens).
      for (const p of paths)
        for (let i = 0; ; i++) {
          const probe = await client(['probe', ...target[p], '1', '0']);
          if (probe.results[0].ok) break;
          if (i >= 20) throw new Error(`${p}: no answer`);
          await new Promise((r) => setTimeout(r, 250));
        }
      const lat = Object.fromEntries(PATHS.map((p) => [p, [] as number[]])) as Record<Path, number[]>;
      const tput = Object.fromEntries(PATHS.map((p) => [p, [] as number[]])) as Record<Path, number[]>;
      const cpu = Object.fromEntries(PATHS.map((p) => [p, [] as number[]])) as Record<Path, number[]>;
      const ticksPerS = 100;
      for (let k = 0; k < rounds; k++)
        for (const p of paths) {
          lat[p].push(...(await client(['latency', ...target[p], String(requests)])).samples);
          const before = busyTicks();
          const t = await client(['throughput', ...target[p], String(mb)]);
          cpu[p].push((busyTicks() - before) / ticksPerS / ((t.bytes * 2) / 1e9));
          tput[p].push(t.bytes / t.seconds / 1e6);
        }

      const direct = median(tput.direct);
      const json: Record<string, number> = {};
      const rows: Array<[string, string | number, string?]> = [];
      for (const p of paths) {
        const key = p.replace('-', '_');
        json[`${key}_mb_s`] = round(median(tput[p]), 1);
        json[`${key}_ratio`] = round(median(tput[p]) / direct, 3);
        json[`${key}_p50_ms`] = round(median(lat[p]), 3);
        json[`${key}_p99_ms`] = round(percentile(lat[p], 99), 3);
        json[`${key}_cpu_s_per_gb`] = round(median(cpu[p]), 2);
        rows.push([
          p,
          `${json[`${key}_mb_s`]} MB/s (${json[`${key}_ratio`]} × direct)`,
          `p50 ${json[`${key}_p50_ms`]} ms, p99 ${json[`${key}_p99_ms`]} ms, ${json[`${key}_cpu_s_per_gb`]} CPU s/GB`,
        ]);
      }
      if (!haveSocat)
        rows.push(['socat-tls', 'not measured', 'socat is not installed (apt-get install socat)']);
      rows.push([
        '',
        '',
        `median of ${rounds} × ${mb} MB echoed; ${requests} round trips each; CPU: the whole machine`,
      ]);
      return { rows, json };
    } finally {
      await teardown();
    }
  },
};

export default bench;
