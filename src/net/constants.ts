/** Defaults and wire identifiers of the cluster network, in one place. */

/** The anti-entropy request/response protocol. */
export const SYNC_PROTOCOL = '/fizz/sync/1';
/** Gossipsub topic for live state updates of one cluster. */
export const stateTopic = (clusterId: string) => `fizz/${clusterId}/state/1`;

/** Envelope version byte carried by every gossip message and sync frame. */
export const WIRE_VERSION = 1;

export const DEFAULTS = {
  /** Anti-entropy with one connected peer this often (besides on every new connection). */
  syncIntervalMs: 15_000,
  /** A sync exchange that takes longer is aborted. */
  syncTimeoutMs: 10_000,
  /** Re-dial the peers handed to setPeers() that are not connected this often. */
  redialIntervalMs: 2_000,
  /** The largest sync frame accepted (a whole document travels in one). */
  maxFrameBytes: 64 * 1024 * 1024,
  /** Gossipsub heartbeat; shorter than the 1 s default so a mesh forms quickly. */
  heartbeatIntervalMs: 700,
  /** Gossipsub mesh degree (gossipsub's own default is 6). Every member is dialled and every
   * write flood-published, so relays are only a safety net; CPU per write in a 5-node
   * cluster measured 6.6 / 7.8 / 10.1 ms at D = 1 / 3 / 6. */
  meshDegree: 2,
} as const;
