/**
 * A development node: a state store plus the cluster network, driven over stdin/stdout so
 * tests and benchmarks can run real processes.
 *
 *   node dist/src/net/devnode.js --dir D [--port P] [--host 127.0.0.1] [--key K]
 *        [--peer ADDR]… [--sync-interval MS] [--no-fsync] [--mesh-degree D]
 *
 * stdin: one JSON command a line, `{"id": 1, "op": "...", …}`; stdout: one JSON object a
 * line, either a reply `{"id": 1, "ok": true, …}` / `{"id": 1, "ok": false, "error": …}` or
 * an event `{"event": "...", …}`. Times `t` are wall-clock ms with sub-ms precision
 * (performance.timeOrigin + performance.now()), comparable across processes of one machine.
 * Logs go to stderr as JSON lines.
 *
 * Commands: put {spec} · remove {name} · scale {project, service, n} · getScale {project, service} · bulkScale {project,
 * service, count, spread?} · get {name} · list · digest · wait {project, service?, n?} · peers ·
 * dial {addr} · setPeers {addrs} · syncAll · metrics · stats · stop.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { openStore } from '../../crdt/store.js';
import { createClusterNet } from './cluster-net.js';
import type { NetLogger } from './cluster-net-api.js';
import { type CmdHandlers, serveJsonLines, writeLine } from './json-lines.js';
import { loadOrCreateIdentity, peerIdOf } from './keys.js';

interface Args {
  dir: string;
  host: string;
  port: number;
  key: string;
  peers: string[];
  syncIntervalMs: number | undefined;
  fsync: boolean;
  meshDegree: number | undefined;
}

function parseArgs(argv: string[]): Args {
  const out: Args = {
    dir: '',
    host: '127.0.0.1',
    port: 0,
    key: 'fizz-development-cluster-key',
    peers: [],
    syncIntervalMs: undefined,
    fsync: true,
    meshDegree: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${a} needs a value`);
      return next;
    };
    if (a === '--dir') out.dir = v();
    else if (a === '--host') out.host = v();
    else if (a === '--port') out.port = Number(v());
    else if (a === '--key') out.key = v();
    else if (a === '--peer') out.peers.push(v());
    else if (a === '--sync-interval') out.syncIntervalMs = Number(v());
    else if (a === '--no-fsync') out.fsync = false;
    else if (a === '--mesh-degree') out.meshDegree = Number(v());
    else throw new Error(`unknown option ${a}`);
  }
  if (!out.dir) throw new Error('--dir is required');
  return out;
}

const now = () => performance.timeOrigin + performance.now();
const cpuMicros = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const write = writeLine;

function stderrLogger(): NetLogger {
  const line = (level: string) => (fields: Record<string, unknown>, message: string) =>
    process.stderr.write(`${JSON.stringify({ level, t: Date.now(), msg: message, ...fields })}\n`);
  return { info: line('info'), warn: line('warn'), debug: () => {} };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const startedAt = now();
  const logger = stderrLogger();
  const peerId = peerIdOf(await loadOrCreateIdentity(args.dir));
  const store = await openStore(join(args.dir, 'state'), {
    nodeId: peerId,
    clock: Date.now,
    fsync: args.fsync,
    logger,
  });
  const state = store.state;
  const net = await createClusterNet({
    dataDir: args.dir,
    clusterKey: args.key,
    listen: { host: args.host, port: args.port },
    state,
    logger,
    bootstrap: args.peers,
    ...(args.syncIntervalMs ? { syncIntervalMs: args.syncIntervalMs } : {}),
    ...(args.meshDegree !== undefined ? { meshDegree: args.meshDegree } : {}),
  });

  const waiters = new Set<() => boolean>();
  state.on('change', (e) => {
    if (e.kind === 'project-put' || e.kind === 'project-removed') write({ event: 'change', ...e, t: now() });
    for (const w of [...waiters]) if (w()) waiters.delete(w);
  });

  const digest = () => {
    const projects = state.listProjects().map((name) => [name, state.getProject(name)]);
    return createHash('sha256').update(JSON.stringify(projects)).digest('hex').slice(0, 16);
  };

  const handlers: CmdHandlers = {
    async put(c) {
      const t = now();
      state.putProject(c.spec);
      await store.flush();
      return { t, durableAt: now() };
    },
    async remove(c) {
      state.removeProject(String(c.name));
      await store.flush();
      return {};
    },
    async scale(c) {
      state.setScale(String(c.project), String(c.service), Number(c.n));
      await store.flush();
      return {};
    },
    async bulkScale(c) {
      const count = Number(c.count);
      // Update i sets service `<service><i % spread>` to i: the last one sets `<service><count % spread>` to count.
      const spread = Math.max(1, Number(c.spread ?? 1));
      for (let i = 1; i <= count; i++) {
        state.setScale(String(c.project), spread === 1 ? String(c.service) : `${c.service}${i % spread}`, i);
      }
      await store.flush();
      return { count };
    },
    get: async (c) => ({ spec: state.getProject(String(c.name)) ?? null }),
    getScale: async (c) => ({ n: state.getScale(String(c.project), String(c.service)) ?? null }),
    list: async () => ({ projects: state.listProjects() }),
    digest: async () => ({ digest: digest(), projects: state.listProjects().length }),
    async wait(c) {
      const project = String(c.project);
      const done =
        c.service === undefined
          ? () => state.getProject(project) !== undefined
          : () => state.getScale(project, String(c.service)) === Number(c.n);
      if (!done()) {
        await new Promise<void>((resolve) =>
          waiters.add(() => {
            if (!done()) return false;
            resolve();
            return true;
          }),
        );
      }
      return { t: now() };
    },
    peers: async () => ({ connected: net.connectedPeers(), topic: net.topicPeers() }),
    dial: async (c) => ({ peerId: await net.dial(String(c.addr)) }),
    async setPeers(c) {
      net.setPeers((c.addrs as string[]) ?? []);
      return {};
    },
    async syncAll() {
      const results = await Promise.allSettled(net.connectedPeers().map((p) => net.syncWith(p)));
      return { ok: results.filter((r) => r.status === 'fulfilled').length, peers: results.length };
    },
    metrics: async () => ({ metrics: net.metrics, cpuMicros: cpuMicros() }),
    stats: async () => ({ store: store.stats(), updateBytes: state.encodeUpdate().length }),
    async stop() {
      await shutdown();
      return {};
    },
  };

  let stopping = false;
  async function shutdown(): Promise<void> {
    if (stopping) return;
    stopping = true;
    await net.stop();
    await store.close();
  }

  await net.start();
  write({ event: 'ready', peerId, addresses: net.addresses, startedAt, t: now(), problems: store.problems });

  serveJsonLines(handlers, shutdown);
}

main().catch((err: Error) => {
  process.stderr.write(`devnode: ${err.stack ?? err}\n`);
  process.exit(1);
});
