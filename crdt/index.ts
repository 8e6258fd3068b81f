/** crdt/: the replicated cluster state (Yjs only, bytes in and bytes out) and its on-disk store. */
export { ClusterState, NODE_TOMBSTONE_TTL_MS } from './cluster-state.js';
export { RETAIN_PREVIOUS_MS } from './epoch.js';
export {
  ListenerError,
  StampRangeError,
  StoreClosedError,
  StoreFormatError,
  StoreLockedError,
  UpdateDecodeError,
} from './errors.js';
export { later, MAX_AHEAD_MS, MAX_AT } from './lww.js';
export { acquirePidLock, holderAlive, type LockHolder, readHolder } from './pid-lock.js';
export type {
  Store,
  StoreLogger,
  StoreOptions,
  StoreProblem,
  StoreProblemKind,
  StoreStats,
} from './store.js';
export { openStore } from './store.js';
export type {
  ClusterStateEvents,
  ClusterStateOptions,
  HeldImage,
  MeshInfo,
  NodeContainer,
  NodeStatus,
  Stamp,
  StateChange,
} from './types.js';
export { MAX_SCALE } from './validate.js';
