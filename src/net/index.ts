/** src/net: the libp2p side of the cluster state (gossip + anti-entropy). */

export { createClusterNet } from './cluster-net.js';
export type {
  ClusterNet,
  ClusterNetEvents,
  ClusterNetOptions,
  NetLogger,
  NetMetrics,
  NetResources,
  NetState,
} from './cluster-net-api.js';
export { DEFAULTS, SYNC_PROTOCOL, stateTopic } from './constants.js';
export { ClusterKeyError, EnvelopeError, IdentityFileError, SyncError } from './errors.js';
export { clusterIdFromKey, loadOrCreateIdentity, peerIdOf, pskFromClusterKey } from './keys.js';
export { resolveLimits, SYNC_LIMITS, SyncLimitError, type SyncLimitKind, type SyncLimits } from './limits.js';
export type { SyncDirection } from './sync-service.js';
