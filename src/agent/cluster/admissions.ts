/**
 * The controller's side of join tokens: issuing and revoking them (tokens.ts), the admission
 * server a member runs beside its cluster port (admission.ts), and a joiner's admission
 * through the members a token names. A removed node (`fizz node rm`) is refused admission
 * and left out of every placement view.
 */
import { createHash } from 'node:crypto';
import type { Server } from 'node:net';
import type { ClusterState } from '../../../crdt/index.js';
import type { Logger } from '../logger.js';
import {
  ADMISSION_PORT_OFFSET,
  AdmissionError,
  type Joiner,
  requestAdmission,
  startAdmission,
  type Welcome,
} from './admission.js';
import { type ClusterConfig, JoinTokenError, parseAddress } from './config.js';
import { mdnsService } from './mdns.js';
import { NODE_KEY_BYTES, NodeKeys } from './node-keys.js';
import { decodeJoinToken, encodeJoinToken } from './token.js';
import { admissionKey, DEFAULT_TOKEN_TTL_MS, TokenBook, tokenId } from './tokens.js';

/** The longest a token may live: a year (a token that never expires is what this replaces). */
export const MAX_TOKEN_TTL_MS = 366 * 24 * 3600_000;

/** 8 bytes of a hash of the cluster key: names the cluster in a token, reveals nothing of the key. */
export function clusterFingerprint(key: string): Uint8Array {
  return new Uint8Array(
    createHash('sha256').update('fizz cluster fingerprint\0').update(key).digest().subarray(0, 8),
  );
}

export interface AdmissionsOptions {
  state: ClusterState;
  clock: () => number;
  logger: Logger;
  /** The SWIM members this node knows (their member name is the node id). */
  members: () => Array<{ name: string; address: string; state: string }>;
  /** Node id ↔ Ed25519 key bindings (node-keys.ts): an admitted joiner's key goes there
   * (default: those of `state`). */
  keys?: NodeKeys;
  /** Cluster addresses found on the LAN for a fingerprint (mDNS); none when not given. */
  discover?: (fingerprint: Uint8Array) => Promise<string[]>;
}

export class Admissions {
  readonly book: TokenBook;
  readonly keys: NodeKeys;
  private server: Server | undefined;

  constructor(private readonly o: AdmissionsOptions) {
    this.book = new TokenBook(o.state, o.clock);
    this.keys = o.keys ?? new NodeKeys(o.state);
  }

  /** This node's address and those of a few other live members that were not removed. */
  addresses(config: ClusterConfig): string[] {
    const others = this.o
      .members()
      .filter((m) => m.state === 'alive' && m.address !== config.address && !this.book.denied(m.name))
      .map((m) => m.address);
    return [config.address, ...others].slice(0, 5);
  }

  /** Serves admissions on the config's address, port + 1, until close(); `current` is the
   * config in force (its key and tie rule go to an admitted node). */
  async listen(config: ClusterConfig, current: () => ClusterConfig): Promise<void> {
    const { host, port } = parseAddress(config.address);
    const welcome = (): Welcome => {
      const c = current();
      return {
        key: c.key,
        tie: c.tie,
        seeds: this.addresses(c),
        ...(c.secrets ? { secrets: c.secrets } : {}),
      };
    };
    this.server = await startAdmission({
      host,
      port: port + ADMISSION_PORT_OFFSET,
      token: (id) => this.book.valid(id),
      refuse: (j) => this.refusal(j),
      admitted: (j) => this.keys.register(j.node, keyBytes(j.key)!),
      welcome: () => ({ ...welcome(), keys: this.keys.table() }),
      logger: this.o.logger,
    });
  }

  /** Why a joiner may not come in: removed, no key, or its node id taken by a live member's key. */
  private refusal(j: Joiner): string | undefined {
    if (this.book.denied(j.node)) return `node ${j.node} was removed from the cluster (fizz node rm)`;
    const key = keyBytes(j.key);
    if (key === undefined) return 'the joiner sent no node key (a release that predates signed metadata)';
    const live = this.o
      .members()
      .some((m) => m.name === j.node && (m.state === 'alive' || m.state === 'suspect'));
    if (live && this.keys.boundElsewhere(j.node, key))
      return `node id ${j.node} belongs to a live member with another key`;
    return undefined;
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }

  /** A new token naming this member and a few others (or none), valid for `ttlMs`. */
  issue(
    config: ClusterConfig,
    ttlMs = DEFAULT_TOKEN_TTL_MS,
    withAddresses = true,
  ): { token: string; expires: number } {
    if (!Number.isFinite(ttlMs) || ttlMs <= 0 || ttlMs > MAX_TOKEN_TTL_MS)
      throw new JoinTokenError(`a token's lifetime must be above 0 and at most 366 days, not ${ttlMs} ms`);
    const { secret, expires } = this.book.issue(ttlMs);
    return {
      token: encodeJoinToken({
        secret,
        fingerprint: clusterFingerprint(config.key),
        addresses: withAddresses ? this.addresses(config) : [],
      }),
      expires,
    };
  }

  /** Revokes one token (its text) or, with none, every token; how many were live. */
  revoke(token?: string): number {
    return this.book.revoke(token === undefined ? undefined : decodeJoinToken(token).secret);
  }

  /**
   * Admission through `peer`, else each of the token's addresses in turn and then each
   * address found by mDNS (asked at once, in parallel): the welcome and the address that gave
   * it. The welcome's key must be the one the token names.
   */
  async join(
    text: string,
    peer: string | undefined,
    joiner: Joiner,
    timeoutMs?: number,
  ): Promise<{ welcome: Welcome; seed: string }> {
    const token = decodeJoinToken(text);
    const found =
      peer || !this.o.discover
        ? Promise.resolve([])
        : this.o.discover(token.fingerprint).catch((err: Error) => {
            this.o.logger.warn({ err: err.message }, 'mDNS discovery');
            return [] as string[];
          });
    const tried: string[] = [];
    const attempt = async (seed: string): Promise<Welcome | 'stop' | undefined> => {
      const { host, port } = parseAddress(seed);
      try {
        const welcome = await requestAdmission({
          host,
          port: port + ADMISSION_PORT_OFFSET,
          tokenId: Buffer.from(tokenId(token.secret), 'hex'),
          psk: admissionKey(token.secret),
          joiner,
          ...(timeoutMs ? { timeoutMs } : {}),
        });
        if (!Buffer.from(clusterFingerprint(welcome.key)).equals(Buffer.from(token.fingerprint)))
          throw new AdmissionError("the member's cluster is not the one the token names");
        return welcome;
      } catch (err) {
        tried.push(`${seed}: ${(err as Error).message}`);
        if (err instanceof AdmissionError && /refused this node|not the one/.test(err.message)) return 'stop';
        return undefined;
      }
    };
    const seeds = peer ? [peer] : token.addresses;
    let stop = false;
    for (const seed of seeds) {
      const w = await attempt(seed);
      if (w === 'stop') {
        stop = true;
        break;
      }
      if (w) return { welcome: w, seed };
    }
    const lan = stop ? [] : (await found).filter((a) => !seeds.includes(a));
    for (const seed of lan) {
      const w = await attempt(seed);
      if (w === 'stop') break;
      if (w) return { welcome: w, seed };
    }
    if (tried.length === 0)
      throw new AdmissionError(
        `could not join: the token names no member address and no member answered on mDNS (${mdnsService(token.fingerprint)})`,
      );
    throw new AdmissionError(`could not join: ${tried.join('; ')}`);
  }
}

/** A joiner's key (base64url) as bytes, if it is one. */
function keyBytes(text: string | undefined): Uint8Array | undefined {
  if (typeof text !== 'string') return undefined;
  const k = new Uint8Array(Buffer.from(text, 'base64url'));
  return k.length === NODE_KEY_BYTES ? k : undefined;
}
