/**
 * Every knob of the protocol, with its formula. N is the number of members this node
 * knows (alive or suspect, itself included).
 *
 *   period              = probeInterval · (awareness + 1)                 (Lifeguard LHA)
 *   probe timeout       = probeTimeout  · (awareness + 1)
 *   suspicion min       = suspicionMult · max(1, log10 N) · probeInterval
 *   suspicion max       = suspicionMaxTimeoutMult · suspicion min
 *   confirmations k     = suspicionMult − 2   (0 when N − 2 < k)
 *   suspicion timeout   = max(min, max − (max − min) · log(n+1)/log(k+1)) after n confirmations
 *   retransmits         = retransmitMult · ⌈log10(N + 1)⌉                (SWIM's λ·log N)
 *   push-pull interval  = pushPullInterval · (⌈log2 N − log2 32⌉ + 1) when N > 32, else pushPullInterval
 *   reaped at           = time declared dead or left + gossipToTheDeadTime   (Infinity: never)
 *   reaped list         = the last maxReaped reaped members, each for reconnectTimeout after its death
 *
 * With `lifeguard: false` the node behaves as plain SWIM with suspicion: awareness stays
 * 0, relays send no nacks, and the suspicion timeout is fixed at `suspicion min`.
 */
export interface SwimConfig {
  /** Unique member name. */
  name: string;
  /** Time between probes of successive members (ms). */
  probeInterval: number;
  /** Time to wait for a direct ack before asking relays (ms). */
  probeTimeout: number;
  /** k: relays asked to probe on our behalf after a failed direct ping. */
  indirectChecks: number;
  /** α: the suspicion timeout multiplier. */
  suspicionMult: number;
  /** β: the suspicion timeout starts at β · min and shrinks with confirmations. */
  suspicionMaxTimeoutMult: number;
  /** The local health score is capped at this − 1. */
  awarenessMaxMultiplier: number;
  /** λ: each update is sent λ · ⌈log10(N + 1)⌉ times. */
  retransmitMult: number;
  /** Time between gossip rounds while updates are queued (ms). */
  gossipInterval: number;
  /** Members each gossip round sends queued updates to. */
  gossipNodes: number;
  /** Base time between periodic push-pull state exchanges; 0 disables them (ms). */
  pushPullInterval: number;
  /** Largest UDP payload built, header and encryption included (bytes). */
  packetSize: number;
  /** Largest encoded member metadata (bytes). */
  maxMetaBytes: number;
  /** Rounds over the seed list before join gives up. */
  joinRetries: number;
  /** Wait between join rounds (ms). */
  joinRetryDelay: number;
  /** Deadline for a push-pull stream request (ms). */
  streamTimeout: number;
  /** How long a leaving node keeps gossiping its departure before it stops (ms). */
  leavePropagateDelay: number;
  /** Lifeguard refinements: local health awareness, nacks, dynamic suspicion. */
  lifeguard: boolean;
  /**
   * A dead or left member is removed from the member list this long after it was declared
   * dead or left; until then gossip rounds also pick dead members (not left ones), so a
   * live member wrongly declared dead hears of it and refutes. Infinity: never reaped (ms).
   */
  gossipToTheDeadTime: number;
  /**
   * A member dead or left for longer than this may be taken over by an alive of the same
   * name from another address, whatever its incarnation (memberlist's DeadNodeReclaimTime).
   * 0: off, a new address needs a higher incarnation like any other change (ms).
   */
  deadNodeReclaimTime: number;
  /**
   * How long after its death a reaped member's name, address and incarnation are kept
   * (serf's reconnect timeout): a stale alive at or below that incarnation does not bring
   * it back, and a reaped dead member is still tried by the push-pull reconnect. 0: keep none (ms).
   */
  reconnectTimeout: number;
  /** Most reaped members kept (the oldest is forgotten first). */
  maxReaped: number;
}

/** Tuned so a failed node is confirmed dead across a 10-node LAN in under 2 s. */
export function lanConfig(name: string): SwimConfig {
  return {
    name,
    probeInterval: 200,
    probeTimeout: 100,
    indirectChecks: 3,
    suspicionMult: 3,
    suspicionMaxTimeoutMult: 6,
    awarenessMaxMultiplier: 8,
    retransmitMult: 4,
    gossipInterval: 50,
    gossipNodes: 3,
    pushPullInterval: 30_000,
    packetSize: 1400,
    maxMetaBytes: 512,
    joinRetries: 3,
    joinRetryDelay: 500,
    streamTimeout: 2_000,
    leavePropagateDelay: 500,
    lifeguard: true,
    gossipToTheDeadTime: 30_000,
    deadNodeReclaimTime: 0,
    reconnectTimeout: 24 * 3600_000,
    maxReaped: 1024,
  };
}

/** Built from the LAN preset: longer periods and timeouts for round trips of 100+ ms. */
export function wanConfig(name: string): SwimConfig {
  return {
    ...lanConfig(name),
    probeInterval: 5_000,
    probeTimeout: 3_000,
    suspicionMult: 6,
    gossipInterval: 500,
    gossipNodes: 4,
    pushPullInterval: 60_000,
    joinRetryDelay: 2_000,
    streamTimeout: 10_000,
    leavePropagateDelay: 3_000,
    gossipToTheDeadTime: 60_000,
  };
}

export function suspicionMinMs(c: SwimConfig, n: number): number {
  const f = n > 1 ? Math.log10(n) : 0;
  return c.suspicionMult * Math.max(f, 1) * c.probeInterval;
}

export function suspicionMaxMs(c: SwimConfig, n: number): number {
  return c.lifeguard ? c.suspicionMaxTimeoutMult * suspicionMinMs(c, n) : suspicionMinMs(c, n);
}

export function suspicionConfirmations(c: SwimConfig, n: number): number {
  if (!c.lifeguard) return 0;
  const k = c.suspicionMult - 2;
  return n - 2 < k || k < 0 ? 0 : k;
}

export function retransmitLimit(c: SwimConfig, n: number): number {
  return c.retransmitMult * Math.ceil(Math.log10(n + 1));
}

/** memberlist's pushPullScale: fewer full-state exchanges per node as the cluster grows. */
export function pushPullIntervalMs(c: SwimConfig, n: number): number {
  if (n <= 32) return c.pushPullInterval;
  return c.pushPullInterval * (Math.ceil(Math.log2(n) - Math.log2(32)) + 1);
}
