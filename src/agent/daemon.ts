/**
 * `fizz agent`: the daemon process. Opens the durable state in FIZZ_HOME, connects to the
 * Docker Engine, starts the reconcile loop and serves the local API until SIGTERM/SIGINT.
 */
import { chmodSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type HomePaths, homePaths } from '../api/paths.js';
import { closeApi, listenApi } from '../api/server.js';
import { place } from '../placement/index.js';
import { LABELS } from '../runtime/types.js';
import { FIZZ_VERSION } from '../version.js';
import { Agent } from './agent.js';
import { systemClock } from './clock.js';
import { formatAddress } from './cluster/config.js';
import { ClusterController } from './cluster/controller.js';
import { clusterHandlers, remoteReplicas } from './cluster/handlers.js';
import { Dashboard, withDashboard } from './dashboard/index.js';
import { parseDashboardAddress, settingOff } from './dashboard/settings.js';
import { agentSource } from './dashboard/source.js';
import { checkHomeOwner } from './home-owner.js';
import { openHome } from './home-state.js';
import { acquireAgentLock } from './lock.js';
import type { Logger } from './logger.js';
import type { ClusterNode } from './membership/cluster-node.js';
import { startMesh } from './mesh/mesh.js';
import { MeshDockerRuntime } from './mesh/mesh-runtime.js';
import { FizzMetrics } from './metrics/fizz-metrics.js';
import { closeMetrics, parseMetricsAddress, serveMetrics } from './metrics/server.js';
import { type NodeLogger, nodeLogger } from './node-logger.js';
import { wireImageSpread } from './p2p-images/wire.js';
import { wireRemote } from './remote/wire.js';
import { fileObjects } from './secrets/index.js';
import { StateRebaser } from './state-rebase.js';

export interface DaemonOptions {
  home: string;
  /** Where the daemon's own log goes (stdout by default). */
  logLevel?: string;
  /** Settles when the daemon should stop (besides signals). */
  until?: Promise<void>;
  /** Called once the socket answers. */
  onReady?: (socket: string) => void;
  /** `fizz agent --dashboard ADDR` (`off`: off even if FIZZ_DASHBOARD or a saved setting says otherwise). */
  dashboard?: string;
  /** `IP:PORT` to serve Prometheus metrics on (metrics/); none by default. */
  metrics?: string;
}

/** Runs the agent until a signal arrives; resolves when it has stopped cleanly. */
export async function runDaemon(options: DaemonOptions): Promise<void> {
  // A mistyped --dashboard fails here, before anything starts.
  if (options.dashboard !== undefined && !settingOff(options.dashboard))
    parseDashboardAddress(options.dashboard);
  const paths = homePaths(options.home);
  mkdirSync(paths.home, { recursive: true, mode: 0o700 });
  checkHomeOwner(paths);
  chmodSync(paths.home, 0o700);
  const { logger, nameFrom } = nodeLogger(
    paths.home,
    options.logLevel ?? process.env.FIZZ_LOG_LEVEL ?? 'info',
  );
  const release = acquireAgentLock(join(paths.home, 'agent.lock'), paths.socket);
  const unwatch = watchFailures(logger);
  try {
    await serve(paths, options, logger, nameFrom);
  } finally {
    unwatch();
    release();
  }
}

function errorFields(err: unknown): object {
  return err instanceof Error ? { err: err.message, name: err.name, stack: err.stack } : { err: String(err) };
}

/**
 * A promise nobody awaited that failed is logged, and the agent goes on serving (Node's default
 * would end the process without a word in the log). An uncaught exception leaves the process in
 * an unknown state: it is logged and the agent exits non-zero.
 */
function watchFailures(logger: Logger): () => void {
  const onRejection = (reason: unknown) => logger.error(errorFields(reason), 'unhandled rejection');
  const onException = (err: unknown) => {
    logger.error(errorFields(err), 'uncaught exception; the agent exits');
    process.exit(1);
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}

async function serve(
  paths: HomePaths,
  options: DaemonOptions,
  logger: Logger,
  nameFrom: NodeLogger['nameFrom'],
): Promise<void> {
  // Checked before anything starts: a bad address is the user's to fix.
  const metricsAt = options.metrics ? parseMetricsAddress(options.metrics) : undefined;
  const { nodeId, store, trust, downs, projectFiles, recreates } = await openHome(paths, logger);
  const meshRuntime = new MeshDockerRuntime();
  let kick = () => {};
  let onNode: (node: ClusterNode) => Promise<void> = async () => {};
  let meshChanged = () => {};
  const cluster = new ClusterController({
    home: paths.home,
    nodeId,
    store,
    logger,
    onChange: () => {
      kick();
      meshChanged();
    },
    onNode: (node) => onNode(node),
  });
  nameFrom(() => cluster.selfName);
  // The engine's runtime (on the mesh), with each container's secrets and configs mounted from a tmpfs.
  const objects = fileObjects({
    home: paths.home,
    state: store.state,
    identity: () => cluster.secretsIdentity(),
    runtime: meshRuntime,
    onChange: () => kick(),
  });
  const metrics = metricsAt
    ? new FizzMetrics({
        version: FIZZ_VERSION,
        nodes: () => cluster.nodes(),
        clusterNode: () => cluster.clusterNode,
        mdns: () => cluster.mdnsStats,
        documentBytes: () => store.state.encodeUpdate().length,
        elapsedMs: () => performance.now(),
      })
    : undefined;
  const runtime = metrics ? metrics.timed(objects.runtime) : objects.runtime;
  const mesh = startMesh({
    home: paths.home,
    nodeId,
    state: store.state,
    runtime: meshRuntime,
    logger,
    cluster,
    kick: () => kick(),
  });
  meshChanged = () => void mesh.schedule();
  let left = false;
  let stopNow = () => {};
  // Only in a cluster: `fizz ps` shows a NODE column when its rows name one.
  const nodeName = () => (cluster.clustered ? cluster.nodes().find((n) => n.self)?.name : undefined);
  // Images spread peer to peer (p2p-images/): advertised in the status entry, fetched before the registry.
  const spread = wireImageSpread({
    archive: meshRuntime.archive,
    home: paths.home,
    nodeId,
    state: store.state,
    cluster,
    clock: systemClock,
    logger,
  });
  const agent: Agent = new Agent({
    nodeId,
    home: paths.home,
    version: FIZZ_VERSION,
    state: store.state,
    flush: () => store.flush(),
    runtime,
    clock: systemClock,
    logger,
    place,
    downs,
    faultPoint: faultInjection(logger),
    projectFiles,
    trust,
    members: () => cluster.view().placement,
    clustered: () => cluster.clustered,
    statusExtra: () => {
      const info = mesh.info();
      const held = spread.inventory.current();
      return { ...(info ? { mesh: info } : {}), ...(held.length > 0 ? { held } : {}) };
    },
    peerImages: {
      peers: spread.peers,
      changed: () => spread.inventory.stale(),
      onImage: (action, ref, detail) => agent.eventSources.onImage(action, ref, detail),
      tag: (id, repoTag) => meshRuntime.archive.tag(id, repoTag),
    },
    imageCommands: spread.commands,
    memberNames: () => new Map(cluster.view().eligible.map((m) => [m.id, m.name])),
    nodeName,
    serviceNet: mesh,
    remotePs: (project, all) => remoteReplicas(cluster, store.state, project, all),
    cluster: clusterHandlers({
      controller: cluster,
      state: store.state,
      clock: systemClock,
      logger,
      runningHere: async () => {
        const wanted = new Set(store.state.listProjects());
        const mine = await runtime.list();
        return mine.filter(
          (c) =>
            c.labels[LABELS.node] === nodeId &&
            c.state === 'running' &&
            wanted.has(c.labels[LABELS.project] ?? ''),
        ).length;
      },
      beforeLeave: () => agent.reconciler.stop(),
      onLeft: () => {
        left = true;
        setImmediate(() => stopNow());
      },
    }),
    recreates,
    objects,
    ...(metrics ? { onPass: (p) => metrics.onPass(p) } : {}),
  });
  kick = () => {
    agent.reconciler.kick();
    // Membership changed (or labels, capacity): the events log compares the views.
    agent.eventSources.onMembers(cluster.nodes());
  };
  // `fizz logs`, `exec`, `restart`, … reach the replicas on other nodes (remote/).
  const remote = wireRemote({
    agent,
    cluster,
    state: store.state,
    nodeId,
    logger,
    imagePull: (r, emit, s) => spread.commands.pullFor(r, emit, s),
  });
  onNode = async (node) => {
    await remote.serve(node);
    await spread.serve(node);
  };
  // Rejoins through the saved seeds before the first pass; placement meanwhile holds to the
  // stable view (cluster/quorum.ts), so a lone restarted node starts nothing of the others'.
  try {
    await cluster.resume();
  } catch (err) {
    logger.error({ err: (err as Error).message }, 'cluster membership did not start');
  }
  // Before the first pass: networks and containers made from here on are on the mesh.
  await mesh.schedule();
  // Keeps the state's history small for months (state-rebase.ts); stopped before the store closes.
  const rebases = new AbortController();
  const rebaser = new StateRebaser({ state: store.state, clock: systemClock, random: Math.random, logger });
  const rebasing = rebaser.run(rebases.signal);
  // `fizz dashboard` (dashboard/): off unless the flag, FIZZ_DASHBOARD or a saved setting asks for it.
  const dashboard = new Dashboard({
    home: paths.home,
    logger,
    clock: systemClock,
    source: agentSource(agent, store.state),
    advertise: () => (cluster.clustered ? cluster.nodes().find((n) => n.self)?.address : undefined),
  });
  const server = await listenApi(paths.socket, withDashboard(remote.handlers, dashboard));
  const metricsServer = metrics && metricsAt ? await serveMetrics(metricsAt, metrics.registry) : undefined;
  if (metricsAt)
    logger.info(
      { metrics: `http://${formatAddress(metricsAt.host, metricsAt.port)}/metrics` },
      'metrics served',
    );
  writeFileSync(paths.pid, `${process.pid}\n`);
  await dashboard.startup(options.dashboard);
  agent.run().catch((err) => logger.warn({ err: (err as Error).message }, 'interrupted downs not finished'));
  logger.info({ nodeId, socket: paths.socket, pid: process.pid, version: FIZZ_VERSION }, 'agent ready');
  options.onReady?.(paths.socket);

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    stopNow = stop;
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    options.until?.then(stop, stop);
  });
  logger.info({}, 'agent stopping');
  await closeApi(server, paths.socket);
  if (metricsServer) await closeMetrics(metricsServer);
  await dashboard.close();
  await agent.shutdown();
  mesh.close();
  await cluster.stop();
  await spread.close();
  rebases.abort();
  await rebasing;
  await store.close();
  if (left) {
    // Its copy of the cluster's desired state must not make this node run the whole
    // cluster alone: kept aside, not deleted, and the next agent starts empty.
    const aside = `${paths.state}.left-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    renameSync(paths.state, aside);
    logger.info({ aside }, 'left the cluster; the state it held is kept aside');
  }
  rmSync(paths.pid, { force: true });
}

/**
 * FIZZ_TEST_CRASH_AT=<point>: the agent kills itself with SIGKILL at that point, so the
 * crash tests can stop it exactly there (e.g. `down-after-containers`). Unset: no effect.
 */
function faultInjection(logger: Logger): ((point: string) => void) | undefined {
  const at = process.env.FIZZ_TEST_CRASH_AT;
  if (!at) return undefined;
  return (point) => {
    if (point !== at) return;
    logger.warn({ point }, 'FIZZ_TEST_CRASH_AT: killing the agent');
    process.kill(process.pid, 'SIGKILL');
  };
}
