/**
 * `fizz key rotate`: a new cluster key rolled through every member with no downtime. The
 * member the user asks writes a rotation record into the replicated state (`@keyrot`): the
 * new key sealed to each registered member's own identity (key-seal.ts), and a phase. Every
 * member brings its keys to the phase (`step`) and acknowledges it (`@keyrot-ack`, its own
 * entry); the asking member moves to the next phase once every live member has:
 *
 *   distribute  every member accepts the new key beside the old (SWIM keyring: old primary)
 *   primary     every member seals with the new key and still accepts the old
 *   done        the old key is dropped: a holder of it alone is no longer heard
 *
 * So at every moment each pair of live members shares a key the sender seals with and the
 * receiver accepts, and no member is ever suspected for a key it lacks. libp2p connections
 * are gated by each peer's registered node key, not by the cluster key (cluster-net.ts), so
 * they need no rolling. Tokens issued before the rotation are revoked when it starts (they
 * name the old key). The cluster id (topic, SWIM tag) is pinned in cluster.json so that it
 * does not change with the key.
 */
import { randomBytes } from 'node:crypto';
import type { ClusterState } from '../../../crdt/index.js';
import type { Keyring } from '../../../swim/index.js';
import { clusterIdFromKey } from '../../net/keys.js';
import type { Logger } from '../logger.js';
import { swimKeyFromClusterKey } from '../membership/keys.js';
import { type ClusterConfig, ClusterConfigError, newClusterKey } from './config.js';
import { KeySealError, openKey, type SealedKey, sealKey } from './key-seal.js';

const SCOPE = '@keyrot';
const CURRENT = 'current';
const ACKS = '@keyrot-ack';
export const PHASES = ['distribute', 'primary', 'done'] as const;
export type Phase = (typeof PHASES)[number];

export interface RotationRecord extends SealedKey {
  id: string;
  phase: Phase;
  /** The node that runs it. */
  by: string;
  /** When its current phase was written (ms since the epoch). */
  at: number;
}

export class KeyRotationError extends Error {
  override readonly name = 'KeyRotationError';
}

/** The cluster id a config names: pinned, else derived from its key (as before rotations). */
export function clusterIdOf(config: ClusterConfig): string {
  return config.id ?? clusterIdFromKey(Buffer.from(config.key, 'base64url'));
}

/** Pure: the config of a member that has reached `phase` of a rotation to `next`. */
export function keyStep(config: ClusterConfig, phase: Phase, next: string): ClusterConfig {
  const id = clusterIdOf(config);
  const others = (config.accept ?? []).filter((k) => k !== next);
  if (phase === 'distribute')
    return config.key === next ? { ...config, id } : { ...config, id, accept: [...others, next] };
  if (phase === 'primary')
    return config.key === next
      ? { ...config, id }
      : { ...config, id, key: next, accept: [...others, config.key] };
  return { ...config, id, key: next, accept: [] };
}

/** Makes SWIM's keyring hold exactly the config's keys, its key first. */
export function syncKeyring(keyring: Keyring, from: ClusterConfig, to: ClusterConfig): void {
  const swim = (k: string) => swimKeyFromClusterKey(Buffer.from(k, 'base64url'));
  for (const k of [to.key, ...(to.accept ?? [])]) keyring.addKey(swim(k));
  keyring.useKey(swim(to.key));
  const keep = new Set([to.key, ...(to.accept ?? [])]);
  for (const k of [from.key, ...(from.accept ?? [])]) if (!keep.has(k)) keyring.removeKey(swim(k));
}

export interface KeyRotationOptions {
  state: ClusterState;
  nodeId: string;
  logger: Logger;
  clock: () => number;
  /** Live members (alive or suspect) that were not removed, by node id; self included. */
  live: () => string[];
  /** Registered Ed25519 keys of members that were not removed (node-keys.ts). */
  keys: () => Map<string, Uint8Array>;
  /** Revokes every join token. */
  revokeTokens: () => void;
  /** How long each phase may wait for the members' acknowledgements (default 30 s). */
  phaseTimeoutMs?: number;
}

export class KeyRotation {
  /** A rotation this node cannot take part in (not sealed to it), so it is not retried. */
  private skipped = '';
  /** This node runs a rotation now. */
  private running = false;

  constructor(private readonly o: KeyRotationOptions) {}

  record(): RotationRecord | undefined {
    const bytes = this.o.state.getSecret(SCOPE, CURRENT);
    if (!bytes) return undefined;
    try {
      const r = JSON.parse(Buffer.from(bytes).toString('utf8')) as RotationRecord;
      if (typeof r.id !== 'string' || !PHASES.includes(r.phase) || typeof r.epk !== 'string')
        return undefined;
      if (typeof r.sealed !== 'object' || r.sealed === null) return undefined;
      return r;
    } catch {
      return undefined;
    }
  }

  /** The phase of rotation `id` that `node` acknowledged, if any. */
  acked(node: string, id: string): Phase | undefined {
    const bytes = this.o.state.getSecret(ACKS, node);
    if (!bytes) return undefined;
    try {
      const a = JSON.parse(Buffer.from(bytes).toString('utf8')) as { id?: unknown; phase?: Phase };
      return a.id === id && PHASES.includes(a.phase as Phase) ? a.phase : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * This member's part: the config its keys should be at for the current record, or
   * undefined when there is nothing to do. The caller applies it, then calls `ack`.
   */
  step(config: ClusterConfig, secretKey: Uint8Array): { next: ClusterConfig; ack: () => void } | undefined {
    const r = this.record();
    if (!r || r.id === this.skipped || this.acked(this.o.nodeId, r.id) === r.phase) return undefined;
    let key: string;
    try {
      key = Buffer.from(openKey(r, this.o.nodeId, secretKey, r.id)).toString('base64url');
    } catch (err) {
      if (!(err instanceof KeySealError)) throw err;
      this.skipped = r.id;
      this.o.logger.warn({ rotation: r.id, err: err.message }, 'key rotation: not sealed to this node');
      return undefined;
    }
    const ack = () =>
      this.o.state.putSecret(ACKS, this.o.nodeId, Buffer.from(JSON.stringify({ id: r.id, phase: r.phase })));
    return { next: keyStep(config, r.phase, key), ack };
  }

  /**
   * Runs a rotation from this member; `apply` brings this member's own keys to each phase
   * at once. Resolves when every live member has dropped the old key.
   */
  async rotate(
    apply: () => void,
    sleep: (ms: number) => Promise<void>,
  ): Promise<{ id: string; members: number }> {
    // One at a time: this node's own, or another member's that is still moving (a failed one
    // of this node's may be run again at once).
    const cur = this.record();
    const othersRunning =
      cur !== undefined &&
      cur.phase !== 'done' &&
      cur.by !== this.o.nodeId &&
      this.o.clock() - cur.at < 2 * (this.o.phaseTimeoutMs ?? 30_000);
    if (this.running || othersRunning)
      throw new ClusterConfigError(
        `a key rotation is under way (run by ${this.running ? 'this node' : cur!.by}); wait for it to end`,
      );
    this.running = true;
    try {
      return await this.run(apply, sleep);
    } finally {
      this.running = false;
    }
  }

  private async run(
    apply: () => void,
    sleep: (ms: number) => Promise<void>,
  ): Promise<{ id: string; members: number }> {
    const keys = this.o.keys();
    const missing = this.o.live().filter((n) => !keys.has(n));
    if (missing.length > 0)
      throw new ClusterConfigError(
        `no node key is registered for ${missing.join(', ')}: they could not take the new key`,
      );
    const id = randomBytes(8).toString('hex');
    const sealed = sealKey(Buffer.from(newClusterKey(), 'base64url'), keys, id);
    this.o.revokeTokens();
    let members = 0;
    for (const phase of PHASES) {
      const r: RotationRecord = { id, phase, by: this.o.nodeId, at: this.o.clock(), ...sealed };
      this.o.state.putSecret(SCOPE, CURRENT, Buffer.from(JSON.stringify(r)));
      apply();
      members = await this.waitAcks(id, phase, sleep);
    }
    this.o.logger.info({ rotation: id, members }, 'cluster key rotated');
    return { id, members };
  }

  /** Waits until every live member acknowledged `phase` (or a later one). */
  private async waitAcks(id: string, phase: Phase, sleep: (ms: number) => Promise<void>): Promise<number> {
    const deadline = this.o.clock() + (this.o.phaseTimeoutMs ?? 30_000);
    const want = PHASES.indexOf(phase);
    for (;;) {
      const live = this.o.live();
      const behind = live.filter((n) => PHASES.indexOf(this.acked(n, id) ?? ('none' as Phase)) < want);
      if (behind.length === 0) return live.length;
      if (this.o.clock() > deadline)
        throw new KeyRotationError(
          `key rotation ${id}: ${behind.join(', ')} did not acknowledge "${phase}" in time; every member still accepts ${phase === 'distribute' ? 'the old key' : 'both keys'} — run \`fizz key rotate\` again`,
        );
      await sleep(100);
    }
  }
}
