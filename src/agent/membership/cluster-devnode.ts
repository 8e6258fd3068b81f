/**
 * A development cluster node (store + libp2p + SWIM at one address), driven over
 * stdin/stdout JSON lines so tests can run real processes.
 *
 *   node dist/src/agent/membership/cluster-devnode.js --dir D [--host 127.0.0.1] [--port P]
 *        [--key K] [--seed HOST:PORT]… [--name N] [--label K=V]… [--no-fsync]
 *        [--sync-interval MS] [--rejoin-interval MS]
 *
 * stdin: `{"id": 1, "op": "...", …}` a line; stdout: replies `{"id": 1, "ok": true, …}` and
 * events `{"event": "ready"|"member"|"peers"|"joined"|"join-failed"|"change", …, "t": …}`
 * (`t`: wall-clock ms with sub-ms precision, comparable across processes). Logs: stderr.
 *
 * Ops: put {spec} · get {name} · list · wait {project} · members · peers · stats · stop.
 */
import type { NetLogger } from '../../net/cluster-net-api.js';
import { type CmdHandlers, serveJsonLines, writeLine } from '../../net/json-lines.js';
import { startClusterNode } from './cluster-node.js';

interface Args {
  dir: string;
  host: string;
  port: number;
  key: string;
  seeds: string[];
  name: string | undefined;
  labels: Record<string, string>;
  fsync: boolean;
  syncIntervalMs: number | undefined;
  rejoinIntervalMs: number | undefined;
}

function parseArgs(argv: string[]): Args {
  const out: Args = {
    dir: '',
    host: '127.0.0.1',
    port: 0,
    key: 'fizz-development-cluster-key',
    seeds: [],
    name: undefined,
    labels: {},
    fsync: true,
    syncIntervalMs: undefined,
    rejoinIntervalMs: undefined,
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
    else if (a === '--seed') out.seeds.push(v());
    else if (a === '--name') out.name = v();
    else if (a === '--label') {
      const [k, ...rest] = v().split('=');
      out.labels[k!] = rest.join('=');
    } else if (a === '--no-fsync') out.fsync = false;
    else if (a === '--sync-interval') out.syncIntervalMs = Number(v());
    else if (a === '--rejoin-interval') out.rejoinIntervalMs = Number(v());
    else throw new Error(`unknown option ${a}`);
  }
  if (!out.dir) throw new Error('--dir is required');
  return out;
}

const now = () => performance.timeOrigin + performance.now();
const write = writeLine;

function stderrLogger(): NetLogger {
  const line = (level: string) => (fields: Record<string, unknown>, message: string) =>
    process.stderr.write(`${JSON.stringify({ level, t: Date.now(), msg: message, ...fields })}\n`);
  return { info: line('info'), warn: line('warn'), debug: () => {} };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const node = await startClusterNode({
    dataDir: args.dir,
    clusterKey: args.key,
    host: args.host,
    port: args.port,
    seeds: args.seeds,
    labels: args.labels,
    logger: stderrLogger(),
    fsync: args.fsync,
    ...(args.name ? { nodeName: args.name } : {}),
    ...(args.syncIntervalMs ? { syncIntervalMs: args.syncIntervalMs } : {}),
    ...(args.rejoinIntervalMs ? { rejoinIntervalMs: args.rejoinIntervalMs } : {}),
  });
  const state = node.state;
  node.on('member', (e) => write({ event: 'member', ...e, t: now() }));
  node.on('peers', (e) => write({ event: 'peers', ...e, t: now() }));
  node.on('joined', (e) => write({ event: 'joined', ...e, t: now() }));
  node.on('join-failed', (e) => write({ event: 'join-failed', ...e, t: now() }));
  const waiters = new Set<() => boolean>();
  state.on('change', (e) => {
    if (e.kind === 'project-put' || e.kind === 'project-removed') write({ event: 'change', ...e, t: now() });
    for (const w of [...waiters]) if (w()) waiters.delete(w);
  });

  const handlers: CmdHandlers = {
    async put(c) {
      state.putProject(c.spec);
      await node.store.flush();
      return {};
    },
    get: async (c) => ({ spec: state.getProject(String(c.name)) ?? null }),
    list: async () => ({ projects: state.listProjects() }),
    async wait(c) {
      const project = String(c.project);
      const done = () => state.getProject(project) !== undefined;
      if (!done())
        await new Promise<void>((resolve) =>
          waiters.add(() => {
            if (!done()) return false;
            resolve();
            return true;
          }),
        );
      return { t: now() };
    },
    members: async () => ({
      members: node.swim.members().map((m) => ({
        name: m.name,
        address: m.address,
        state: m.state,
        incarnation: m.incarnation,
        meta: m.meta,
      })),
      placement: node.members(),
    }),
    peers: async () => ({ desired: node.libp2pPeers(), connected: node.net.connectedPeers() }),
    stats: async () => ({
      transport: node.transport.stats,
      swim: node.swim.stats,
      incarnation: node.swim.incarnation,
    }),
    async stop() {
      await shutdown();
      return {};
    },
  };

  let stopping = false;
  async function shutdown(): Promise<void> {
    if (stopping) return;
    stopping = true;
    await node.stop();
  }

  write({
    event: 'ready',
    name: node.name,
    peerId: node.peerId,
    address: node.address,
    multiaddr: node.multiaddr,
    incarnation: node.swim.incarnation,
    t: now(),
  });

  serveJsonLines(handlers, shutdown);
}

main().catch((err: Error) => {
  process.stderr.write(`cluster-devnode: ${err.stack ?? err}\n`);
  process.exit(1);
});
