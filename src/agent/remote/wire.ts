/**
 * Wires `/fizz/api/1` into the agent: serves it on each cluster node the agent starts
 * (answered by the agent's own handlers, this node's containers only) and puts the
 * cluster-wide routes in front of the agent for the local API.
 */
import type { ClusterState } from '../../../crdt/index.js';
import type { ApiHandlers } from '../../api/server.js';
import type { Agent } from '../agent.js';
import type { ClusterController } from '../cluster/controller.js';
import { pickServices } from '../engine-ops.js';
import type { Logger } from '../logger.js';
import type { ClusterNode } from '../membership/cluster-node.js';
import { libp2pAddrOfMember } from '../membership/member-view.js';
import { RemoteApi } from './ask.js';
import { clusterWide } from './cluster-wide.js';
import { REMOTE_API_PROTOCOL } from './frame.js';
import { REMOTE_LIMITS, type RemoteLimits } from './limits.js';
import { type RemoteLocal, serveRemote } from './serve.js';
import type { PeerEntry } from './targets.js';

export interface RemoteWiring {
  /** The local API's handlers: the agent behind the cluster-wide routes. */
  handlers: ApiHandlers;
  /** Serves `/fizz/api/1` on a cluster node (ClusterController's `onNode`). */
  serve(node: ClusterNode): Promise<void>;
}

export function wireRemote(o: {
  agent: Agent;
  cluster: ClusterController;
  state: ClusterState;
  nodeId: string;
  logger: Logger;
  limits?: RemoteLimits;
  /** `fizz image push` from another node: pull the image from it (p2p-images/push.ts). */
  imagePull: RemoteLocal['imagePull'];
}): RemoteWiring {
  const limits = o.limits ?? REMOTE_LIMITS;
  const { agent, cluster } = o;
  const label = agent.cluster?.label;
  const local: RemoteLocal = {
    logs: (q, emit, s) => agent.logs(q, emit, s),
    start: (r, emit) => agent.start(r, emit),
    stop: (r, emit) => agent.stop(r, emit),
    restart: (r, emit) => agent.restart(r, emit),
    kill: (r, emit) => agent.kill(r, emit),
    pause: (r, emit) => agent.pause(r, emit),
    unpause: (r, emit) => agent.unpause(r, emit),
    top: (p, s) => agent.top(p, s),
    images: (p, s) => agent.images(p, s),
    exec: (r) => agent.exec(r),
    label: (r) => {
      if (!label) throw new Error('this node has no cluster routes');
      return label(r);
    },
    imagePull: o.imagePull,
  };
  const peers = () => clusterPeers(cluster, o.nodeId);
  const handlers = clusterWide(agent as Parameters<typeof clusterWide>[0], {
    remote: () => {
      const node = cluster.clusterNode;
      return node ? new RemoteApi(node.net, limits) : undefined;
    },
    peers,
    statuses: () => o.state.nodeStatuses(),
    selfId: o.nodeId,
    selfName: () => (cluster.clustered ? cluster.nodes().find((n) => n.self)?.name : undefined),
    refuse: (project, services) => {
      const r = pickServices(o.state, project, services);
      return typeof r === 'string' ? r : undefined;
    },
  });
  return {
    handlers,
    serve: (node) =>
      node.net.handle(
        REMOTE_API_PROTOCOL,
        (stream, remote) =>
          serveRemote(stream, local, limits, o.logger, remote.peerId).catch((err: Error) =>
            o.logger.warn({ from: remote.peerId, err: err.message }, 'remote api: stream failed'),
          ),
        { maxInboundStreams: limits.maxInboundStreams },
      ),
  };
}

/** The other members with their libp2p address, as SWIM sees them now. */
export function clusterPeers(cluster: ClusterController, selfId: string): PeerEntry[] {
  return (cluster.clusterNode?.swim.members() ?? []).flatMap((m) => {
    const addr = libp2pAddrOfMember(m);
    if (m.name === selfId || addr === null) return [];
    const name = typeof m.meta.name === 'string' && m.meta.name ? m.meta.name : m.name;
    return [{ id: m.name, name, addr, state: m.state }];
  });
}
