/**
 * The agent's answers to the cluster routes, and the cluster's view of `fizz ps`: the
 * replicas other nodes report in their status entries (only of nodes this side can see, so
 * a replica on a dead node is never shown as running).
 */
import type { ClusterState } from '../../../crdt/index.js';
import type { ClusterHandlers, NodeInfo } from '../../api/cluster-api.js';
import type { DoneEvent, PsEntry } from '../../api/protocol.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { psEntryOf } from '../node-status.js';
import { ClusterConfigError } from './config.js';
import type { ClusterController } from './controller.js';

export interface ClusterHandlerDeps {
  controller: ClusterController;
  state: ClusterState;
  clock: Clock;
  logger: Logger;
  /** How many of this node's containers still run a replica of a project in the state. */
  runningHere: () => Promise<number>;
  /**
   * Once this node's replicas have moved, before it leaves the membership: stops the
   * reconcile loop, whose next pass would otherwise place every slot on this node alone.
   */
  beforeLeave: () => Promise<void>;
  /** After a leave: the agent drops its copy of the cluster's state and stops. */
  onLeft: () => void;
  /** How long `leave` waits for this node's replicas to move, ms (default 120 s). */
  drainTimeoutMs?: number;
}

const ACTIVE = new Set(['running', 'restarting', 'paused']);

export function clusterHandlers(d: ClusterHandlerDeps): ClusterHandlers {
  const { controller } = d;
  return {
    init: (req) => controller.init(req),
    join: (req) => controller.join(req),
    token: async (ttlMs, withAddresses) => controller.token(ttlMs, withAddresses),
    revoke: async (token) => ({ revoked: controller.revokeTokens(token) }),
    removeNode: async (node) => ({ id: controller.removeNode(node) }),
    async nodes() {
      const statuses = d.state.nodeStatuses();
      const nodes: NodeInfo[] = controller.nodes().map((n) => ({
        ...n,
        replicas: (statuses.get(n.id)?.containers ?? []).filter((c) => c.state === 'running').length,
      }));
      return { clustered: controller.clustered, majority: controller.view().majority, nodes };
    },
    async label(req) {
      const self = controller.nodes().find((n) => n.self);
      if (req.node !== self?.name && req.node !== self?.id)
        throw new ClusterConfigError(
          `labels are set on the node itself: run \`fizz label ${req.node} …\` on ${req.node} (this is ${self?.name})`,
        );
      return { labels: controller.label(req.set, req.unset) };
    },
    async leave(emit, signal): Promise<DoneEvent> {
      controller.drain();
      emit({ type: 'progress', resource: 'container', name: 'this node', service: '', status: 'stopping' });
      const deadline = d.clock.now() + (d.drainTimeoutMs ?? 120_000);
      let left = await d.runningHere();
      while (left > 0 && d.clock.now() < deadline && !signal.aborted) {
        await d.clock.sleep(500, signal);
        left = await d.runningHere();
      }
      if (left > 0)
        d.logger.warn({ left }, 'leaving with replicas that did not move in time (no member took them)');
      await d.beforeLeave();
      await controller.leave();
      emit({ type: 'progress', resource: 'container', name: 'this node', service: '', status: 'stopped' });
      d.onLeft();
      return {
        type: 'done',
        ok: true,
        errors: left > 0 ? [`${left} replicas had no other node to move to and were stopped`] : [],
      };
    },
  };
}

/** `fizz ps` rows of the replicas other visible nodes run. */
export function remoteReplicas(
  controller: ClusterController,
  state: ClusterState,
  project: string | undefined,
  all: boolean,
): PsEntry[] {
  if (!controller.clustered) return [];
  const visible = new Map(
    controller
      .nodes()
      .filter((n) => !n.self && (n.state === 'alive' || n.state === 'suspect'))
      .map((n) => [n.id, n.name]),
  );
  const out: PsEntry[] = [];
  for (const [id, status] of state.nodeStatuses()) {
    const name = visible.get(id);
    if (name === undefined) continue;
    for (const c of status.containers) {
      if (project !== undefined && c.project !== project) continue;
      if (!all && !ACTIVE.has(c.state)) continue;
      out.push(psEntryOf(c, name));
    }
  }
  return out;
}
