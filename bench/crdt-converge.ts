/**
 * crdt-converge: how fast a change written on one node reaches every node of a real cluster
 * (N devnode processes on loopback, full mesh, gossipsub flood-publish), what it costs on
 * the wire, how big a 1,000-service document is and how fast it loads, and how long a node
 * that missed 10,000 updates takes to catch up through anti-entropy.
 *
 *   npm run bench -- crdt-converge [--nodes 10] [--samples 200] [--warmup 20] [--gap-ms 25]
 *        [--fsync on|off] [--services 1000] [--updates 10000] [--mesh-degree D] [--only converge]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterState } from '../crdt/index.js';
import { openStore } from '../crdt/store.js';
import { Devnode } from '../src/net/devnode-client.js';
import { type Benchmark, median, parseOptions, percentile, round } from './benchmark.js';

const KEY = 'bench-cluster-key-crdt-converge';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A service definition of the size `fizz up` writes for a typical web service. */
function serviceSpec(i: number): Record<string, unknown> {
  return {
    image: `registry.example/app-${i}:1.${i % 50}.0`,
    command: ['node', 'server.js', '--port', '8080'],
    environment: {
      NODE_ENV: 'production',
      DATABASE_URL: `postgres://db-${i % 7}:5432/app`,
      LOG_LEVEL: 'info',
    },
    labels: { team: `team-${i % 9}`, tier: 'web' },
    ports: [{ target: 8080, published: String(8000 + (i % 1000)), protocol: 'tcp', mode: 'ingress' }],
    volumes: [],
    networks: { default: null },
    depends_on: {},
    healthcheck: {
      test: ['CMD', 'wget', '-q', '-O-', 'http://localhost:8080/health'],
      interval: 5e9,
      retries: 3,
    },
    deploy: { replicas: 2 },
  };
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function convergence(
  nodesN: number,
  samples: number,
  warmup: number,
  gapMs: number,
  fsync: boolean,
  meshDegree: number | undefined,
) {
  const root = mkdtempSync(join(tmpdir(), 'fizz-bench-converge-'));
  const nodes: Devnode[] = [];
  try {
    nodes.push(
      ...(await Promise.all(
        Array.from({ length: nodesN }, (_, i) =>
          Devnode.start({
            dir: join(root, `n${i}`),
            key: KEY,
            fsync,
            ...(meshDegree !== undefined ? { meshDegree } : {}),
          }),
        ),
      )),
    );
    const all = nodes.map((n) => n.addresses[0]!);
    await Promise.all(
      nodes.map((n) => n.request('setPeers', { addrs: all.filter((a) => a !== n.addresses[0]) })),
    );
    const meshStart = performance.now();
    try {
      await until(
        async () =>
          (await Promise.all(nodes.map((n) => n.request('peers')))).every(
            (p) => (p.topic as string[]).length === nodesN - 1,
          ),
        90_000,
        'every node to see every other on the topic',
      );
    } catch (err) {
      const ids = nodes.map((n) => n.peerId);
      const views = await Promise.all(nodes.map((n) => n.request('peers')));
      views.forEach((v, i) => {
        const idx = (l: unknown) => (l as string[]).map((id) => ids.indexOf(id)).join(',');
        process.stderr.write(`node ${i}: connected [${idx(v.connected)}] topic [${idx(v.topic)}]\n`);
      });
      throw err;
    }
    const meshMs = performance.now() - meshStart;
    const latencies: number[] = [];
    const cpuOf = async () =>
      (await Promise.all(nodes.map(async (n) => Number((await n.request('metrics')).cpuMicros)))).reduce(
        (a, b) => a + b,
        0,
      );
    // What the writers published, summed over the nodes (read at the window's ends only, so
    // the harness adds no request per write to the CPU it measures).
    const publishedOf = async () => {
      const sum = { messages: 0, bytes: 0 };
      for (const r of await Promise.all(nodes.map((n) => n.request('metrics')))) {
        const m = r.metrics as { published: number; publishedBytes: number };
        sum.messages += m.published;
        sum.bytes += m.publishedBytes;
      }
      return sum;
    };
    let cpuStart = 0;
    let windowStart = 0;
    let publishedStart = { messages: 0, bytes: 0 };
    for (let k = 0; k < warmup + samples; k++) {
      if (k === warmup) {
        publishedStart = await publishedOf();
        cpuStart = await cpuOf();
        windowStart = performance.now();
      }
      const writer = nodes[k % nodesN]!;
      const project = `svc-${k}`;
      const others = nodes.filter((n) => n !== writer);
      const arrivals = others.map((n) => n.waitEvent((e) => e.event === 'change' && e.project === project));
      const reply = await writer.request('put', {
        spec: { name: project, services: { web: serviceSpec(k) } },
      });
      const events = await Promise.all(arrivals);
      const t0 = Number(reply.t);
      if (k >= warmup) latencies.push(Math.max(...events.map((e) => e.t)) - t0);
      await sleep(gapMs);
    }
    // CPU of all processes per write, less what the idle cluster costs over the same time
    // (heartbeats; the harness's one request per write, `put`, is counted in).
    const cpuEnd = await cpuOf();
    const publishedEnd = await publishedOf();
    const messages = publishedEnd.messages - publishedStart.messages;
    const bytes = publishedEnd.bytes - publishedStart.bytes;
    const windowMs = performance.now() - windowStart;
    const idleStart = await cpuOf();
    const idleT0 = performance.now();
    await sleep(5000);
    const idlePerMs = ((await cpuOf()) - idleStart) / (performance.now() - idleT0);
    const cpuPerUpdateMs = (cpuEnd - cpuStart - idlePerMs * windowMs) / samples / 1000;
    const idleCpuPct = (idlePerMs / 1000 / nodesN) * 100;
    const invalid = await Promise.all(
      nodes.map(
        async (n) => ((await n.request('metrics')).metrics as { droppedInvalid: number }).droppedInvalid,
      ),
    );
    return {
      latencies,
      bytesPerUpdate: messages ? bytes / messages : 0,
      meshMs,
      cpuPerUpdateMs,
      idleCpuPct,
      invalid: invalid.reduce((a, b) => a + b, 0),
    };
  } finally {
    await Promise.all(nodes.map((n) => n.kill9()));
    rmSync(root, { recursive: true, force: true });
  }
}

async function documentSize(services: number) {
  const dir = mkdtempSync(join(tmpdir(), 'fizz-bench-doc-'));
  try {
    const store = await openStore(dir, { nodeId: 'bench', clock: Date.now });
    const perProject = 10;
    for (let p = 0; p < services / perProject; p++) {
      const svcs: Record<string, unknown> = {};
      for (let s = 0; s < perProject; s++) svcs[`svc${s}`] = serviceSpec(p * perProject + s);
      store.state.putProject({ name: `project-${p}`, services: svcs });
    }
    await store.compact();
    const docBytes = store.state.encodeUpdate().length;
    const snapshotBytes = store.stats().snapshotBytes;
    await store.close();
    const loads: number[] = [];
    for (let i = 0; i < 7; i++) {
      const started = performance.now();
      const again = await openStore(dir, { nodeId: 'bench', clock: Date.now });
      loads.push(performance.now() - started);
      if (again.state.listProjects().length !== services / perProject) throw new Error('load lost projects');
      await again.close();
    }
    return { docBytes, snapshotBytes, loadMs: median(loads.slice(2)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function catchUp(updates: number, fsync: boolean) {
  const root = mkdtempSync(join(tmpdir(), 'fizz-bench-catchup-'));
  const nodes: Devnode[] = [];
  try {
    const a = await Devnode.start({ dir: join(root, 'a'), key: KEY, fsync });
    nodes.push(a);
    let b = await Devnode.start({ dir: join(root, 'b'), key: KEY, peers: a.addresses, fsync });
    nodes.push(b);
    await a.request('put', { spec: { name: 'p', services: { web: serviceSpec(0) } } });
    await b.request('wait', { project: 'p' });
    await b.stop();
    // The missed updates are scale changes spread over 100 services of the project.
    const spread = 100;
    await a.request('bulkScale', { project: 'p', service: 'web', count: updates, spread });
    b = await Devnode.start({ dir: join(root, 'b'), key: KEY, peers: a.addresses, fsync });
    nodes.push(b);
    const done = await b.request('wait', { project: 'p', service: `web${updates % spread}`, n: updates });
    const m = (await b.request('metrics')).metrics as { syncBytesReceived: number };
    return { ms: Number(done.t) - b.ready.t, bytes: m.syncBytesReceived };
  } finally {
    await Promise.all(nodes.map((n) => n.kill9()));
    rmSync(root, { recursive: true, force: true });
  }
}

const bench: Benchmark = {
  name: 'crdt-converge',
  description:
    'a service definition written on one of N real processes reaching all; document size, load, catch-up',
  async run(args) {
    const o = parseOptions(args);
    const nodesN = Number(o.get('nodes') ?? 10);
    const samples = Number(o.get('samples') ?? 200);
    const warmup = Number(o.get('warmup') ?? 20);
    const gapMs = Number(o.get('gap-ms') ?? 25);
    const fsync = (o.get('fsync') ?? 'on') !== 'off';
    const services = Number(o.get('services') ?? 1000);
    const updates = Number(o.get('updates') ?? 10000);
    const meshDegree = o.has('mesh-degree') ? Number(o.get('mesh-degree')) : undefined;
    const only = o.get('only'); // 'converge' to skip the document and catch-up parts

    const conv = await convergence(nodesN, samples, warmup, gapMs, fsync, meshDegree);
    const doc =
      only === 'converge' ? { docBytes: 0, snapshotBytes: 0, loadMs: 0 } : await documentSize(services);
    const cu = only === 'converge' ? { ms: 0, bytes: 0 } : await catchUp(updates, fsync);
    // A sanity figure: the whole document of one service definition, as bytes.
    const one = new ClusterState({ nodeId: 'x', clock: () => 1 });
    one.putProject({ name: 'svc-0', services: { web: serviceSpec(0) } });

    const p50 = round(percentile(conv.latencies, 50));
    const p99 = round(percentile(conv.latencies, 99));
    return {
      rows: [
        ['nodes', nodesN, 'devnode processes on loopback, full mesh'],
        [
          'samples',
          conv.latencies.length,
          `after ${warmup} warm-up writes, ${gapMs} ms apart, fsync ${fsync ? 'on' : 'off'}`,
        ],
        ['mesh_ready_ms', round(conv.meshMs), 'until every node saw every other subscribed'],
        ['p50_ms', p50, 'write on one node → last of the others applied it'],
        ['p90_ms', round(percentile(conv.latencies, 90))],
        ['p99_ms', p99, 'bar: < 100'],
        ['max_ms', round(Math.max(...conv.latencies))],
        [
          'bytes_per_update',
          round(conv.bytesPerUpdate),
          'gossip payload per write (envelope + Yjs v2 update), sent once to each peer',
        ],
        [
          'cpu_ms_per_update',
          round(conv.cpuPerUpdateMs),
          `CPU of all ${nodesN} processes per write (less idle), load-independent`,
        ],
        ['idle_cpu_pct_per_node', round(conv.idleCpuPct), 'an idle node (heartbeats), % of one core'],
        ['invalid_dropped', conv.invalid, 'must be 0'],
        [`doc_bytes_${services}_services`, doc.docBytes, `${services / 10} projects × 10 services`],
        ['snapshot_bytes', doc.snapshotBytes],
        [
          `load_ms_${services}_services`,
          round(doc.loadMs),
          'openStore of the snapshot, median of 5 after 2 warm-ups',
        ],
        [`catchup_ms_${updates}_updates`, round(cu.ms), 'restarted node: network up → last update applied'],
        ['catchup_bytes', cu.bytes, 'received in the anti-entropy exchange'],
      ],
      json: {
        nodes: nodesN,
        samples: conv.latencies.length,
        p50_ms: p50,
        p99_ms: p99,
        bytes_per_update: round(conv.bytesPerUpdate),
        doc_bytes_1000_services: doc.docBytes,
        load_ms_1000_services: round(doc.loadMs),
        catchup_ms_10000_updates: round(cu.ms),
        mesh_ready_ms: round(conv.meshMs),
        p90_ms: round(percentile(conv.latencies, 90)),
        max_ms: round(Math.max(...conv.latencies)),
        cpu_ms_per_update: round(conv.cpuPerUpdateMs),
        fsync,
      },
    };
  },
};

export default bench;
