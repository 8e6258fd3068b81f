/**
 * Wires the peer-to-peer image spread into the agent: the advertised list for the status
 * entry, the asking side for the image step, and `/fizz/image/1` served on each cluster node.
 */
import { join } from 'node:path';
import type { ClusterState } from '../../../crdt/index.js';
import type { ImageArchive } from '../../runtime/image-archive.js';
import type { Clock } from '../clock.js';
import type { ClusterController } from '../cluster/controller.js';
import type { Logger } from '../logger.js';
import type { ClusterNode } from '../membership/cluster-node.js';
import { RemoteApi } from '../remote/ask.js';
import { REMOTE_LIMITS } from '../remote/limits.js';
import { clusterPeers } from '../remote/wire.js';
import { PeerImages } from './fetch.js';
import { ImageInventory } from './inventory.js';
import { ImageCommands } from './push.js';
import { Relays } from './relay.js';
import { IMAGE_PROTOCOL, SaveCache, SendSlots, serveImage } from './serve.js';

export interface ImageSpread {
  inventory: ImageInventory;
  peers: PeerImages;
  commands: ImageCommands;
  serve(node: ClusterNode): Promise<void>;
  close(): Promise<void>;
}

/** FIZZ_TEST_IMAGE_CUT_AT=<bytes>[x<times>]: a sender cuts its transfers after that many bytes. */
function cutFault(text: string | undefined): { afterBytes: number; times: number } | undefined {
  const m = /^(\d+)(?:x(\d+))?$/.exec(text ?? '');
  return m ? { afterBytes: Number(m[1]), times: Number(m[2] ?? 1) } : undefined;
}

export function wireImageSpread(o: {
  archive: ImageArchive;
  home: string;
  nodeId: string;
  state: ClusterState;
  cluster: ClusterController;
  clock: Clock;
  logger: Logger;
}): ImageSpread {
  const limits = REMOTE_LIMITS;
  const inventory = new ImageInventory(o.archive, o.clock, o.logger);
  const cache = new SaveCache(o.archive, join(o.home, 'images-out'));
  const cut = cutFault(process.env.FIZZ_TEST_IMAGE_CUT_AT);
  const slots = new SendSlots(2);
  const relays = new Relays(join(o.home, 'images-in'));
  const peers = new PeerImages({
    archive: o.archive,
    dir: join(o.home, 'images-in'),
    selfId: o.nodeId,
    statuses: () => o.state.nodeStatuses(),
    peers: () => clusterPeers(o.cluster, o.nodeId),
    opener: () => o.cluster.clusterNode?.net,
    limits,
    logger: o.logger,
    loaded: () => inventory.stale(),
    relays,
  });
  const commands = new ImageCommands({
    archive: o.archive,
    peers,
    selfId: o.nodeId,
    statuses: () => o.state.nodeStatuses(),
    names: () => new Map(o.cluster.nodes().map((n) => [n.id, n.name])),
    clusterPeers: () => clusterPeers(o.cluster, o.nodeId),
    remote: () => {
      const node = o.cluster.clusterNode;
      return node ? new RemoteApi(node.net, limits) : undefined;
    },
  });
  return {
    inventory,
    peers,
    commands,
    serve: (node) =>
      node.net.handle(
        IMAGE_PROTOCOL,
        (stream, remote) =>
          serveImage(
            stream,
            { archive: o.archive, cache, slots, relays, limits, logger: o.logger, ...(cut ? { cut } : {}) },
            remote.peerId,
          ).catch((err: Error) =>
            o.logger.warn({ from: remote.peerId, err: err.message }, 'image transfer: stream failed'),
          ),
        { maxInboundStreams: 8 },
      ),
    close: () => cache.close(),
  };
}
