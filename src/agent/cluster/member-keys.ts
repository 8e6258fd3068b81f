/**
 * The controller's keys: this node's Ed25519 identity and the node-key bindings (node-keys.ts)
 * — what signed metadata is checked against and what libp2p admits peers by — and the
 * member's part in key rotations (key-rotation.ts), stepped every 250 ms while it is a member.
 */
import { join } from 'node:path';
import type { ClusterState } from '../../../crdt/index.js';
import { loadOrCreateIdentity } from '../../net/keys.js';
import type { Logger } from '../logger.js';
import type { ClusterNode, ClusterNodeOptions } from '../membership/cluster-node.js';
import type { Admissions } from './admissions.js';
import type { ClusterConfig } from './config.js';
import { KeyRotation, syncKeyring } from './key-rotation.js';
import type { NodeKeys } from './node-keys.js';

export interface MemberKeysOptions {
  home: string;
  nodeId: string;
  state: ClusterState;
  logger: Logger;
  clock: () => number;
  keys: NodeKeys;
  admissions: Admissions;
  /** The running node and its config, if this node is a member. */
  member: () => { node: ClusterNode; config: ClusterConfig } | undefined;
  /** Saves and adopts a config whose keys changed. */
  setConfig: (c: ClusterConfig) => void;
}

const TICK_MS = 250;

export class MemberKeys {
  private readonly rotation: KeyRotation;
  private secretKey: Uint8Array | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly o: MemberKeysOptions) {
    this.rotation = new KeyRotation({
      state: o.state,
      nodeId: o.nodeId,
      logger: o.logger,
      clock: o.clock,
      live: () => this.liveIds(),
      keys: () => {
        const all = o.keys.entries();
        for (const id of o.admissions.book.deniedIds()) all.delete(id);
        return all;
      },
      revokeTokens: () => o.admissions.revoke(),
    });
  }

  /** This node's public key (its libp2p identity's, FIZZ_HOME/cluster/peer.key). */
  async publicKey(): Promise<Uint8Array> {
    return (await this.identity()).publicKey.raw;
  }

  /** Binds this node's key to its id (`fizz init`; a cluster made before bindings, on resume). */
  async registerSelf(onlyIfMissing: boolean): Promise<void> {
    const own = await this.publicKey();
    const bound = this.o.keys.get(this.o.nodeId);
    if (bound === undefined || !onlyIfMissing) this.o.keys.register(this.o.nodeId, own);
    else if (!Buffer.from(bound).equals(Buffer.from(own)))
      this.o.logger.warn(
        { node: this.o.nodeId },
        "this node's key is not the one the cluster bound to its id: members will refuse its alives; `fizz leave` and join again",
      );
  }

  /** What a cluster node needs: signing with this node's key, libp2p admission by node key. */
  async nodeOptions(): Promise<Pick<ClusterNodeOptions, 'signing' | 'allowPeer'>> {
    this.secretKey = (await this.identity()).raw.subarray(0, 32);
    const { keys, admissions } = this.o;
    return {
      signing: {
        keyOf: (node) => keys.get(node),
        refused: (node) => (admissions.book.denied(node) ? 'removed (fizz node rm)' : undefined),
      },
      // libp2p admits a peer by its registered node key (never a removed node's), not by pnet.
      allowPeer: (pub) => {
        const id = keys.nodeOf(pub);
        return id !== undefined && !admissions.book.denied(id);
      },
    };
  }

  start(): void {
    clearInterval(this.timer);
    this.timer = setInterval(() => {
      try {
        this.tick();
      } catch (err) {
        this.o.logger.warn({ err: (err as Error).message }, 'key rotation step');
      }
    }, TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** `fizz key rotate` from this node. */
  rotate(): Promise<{ id: string; members: number }> {
    return this.rotation.rotate(
      () => this.tick(),
      (ms) => new Promise((r) => setTimeout(r, ms)),
    );
  }

  /** Brings this node's keys to the phase of the rotation in the state, if one runs; hangs up
   * on peers removed since they connected. */
  private tick(): void {
    const m = this.o.member();
    if (!m || !this.secretKey) return;
    void m.node.net.dropRefusedPeers().then(
      (n) => n > 0 && this.o.logger.info({ connections: n }, 'closed connections of removed nodes'),
      () => {},
    );
    const s = this.rotation.step(m.config, this.secretKey);
    if (!s) return;
    if (JSON.stringify(s.next) !== JSON.stringify(m.config)) {
      syncKeyring(m.node.keyring, m.config, s.next);
      this.o.setConfig(s.next);
    }
    s.ack();
  }

  /** Ids of the live members that were not removed, self included. */
  private liveIds(): string[] {
    const denied = new Set(this.o.admissions.book.deniedIds());
    return (this.o.member()?.node.swim.members() ?? [])
      .filter((m) => (m.state === 'alive' || m.state === 'suspect') && !denied.has(m.name))
      .map((m) => m.name);
  }

  private identity() {
    return loadOrCreateIdentity(join(this.o.home, 'cluster'));
  }
}
