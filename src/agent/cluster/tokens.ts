/**
 * The cluster's join tokens and removed nodes, kept in the replicated state so that any
 * member can admit a joiner or refuse one: for each token, its id and the key derived from
 * its secret (never the token itself), its expiry, and its revocation (a removal); for each
 * node removed with `fizz node rm`, its id. They live in the state's secrets registers
 * under scopes no project can be named (`@token`, `@denied`), as the cluster-wide secrets do.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ClusterState } from '../../../crdt/index.js';

const TOKENS = '@token';
const DENIED = '@denied';

/** The default lifetime of a token (`fizz token`, `fizz init`): a day. */
export const DEFAULT_TOKEN_TTL_MS = 24 * 3600_000;

export interface TokenRecord {
  id: string;
  /** The admission key (admission.ts): derived from the secret, not the secret. */
  psk: Uint8Array;
  /** ms since the epoch. */
  expires: number;
}

/** What identifies a token in the state: a hash of its secret. */
export function tokenId(secret: Uint8Array): string {
  return createHash('sha256').update('fizz token id\0').update(secret).digest('hex').slice(0, 32);
}

/** The pre-shared key a token's admission runs on. */
export function admissionKey(secret: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update('fizz admission key\0').update(secret).digest());
}

export class TokenBook {
  constructor(
    private readonly state: ClusterState,
    private readonly clock: () => number,
  ) {}

  /** A new token secret, valid for `ttlMs`. */
  issue(ttlMs: number): { secret: Uint8Array; id: string; expires: number } {
    const secret = new Uint8Array(randomBytes(32));
    const id = tokenId(secret);
    const expires = Math.floor(this.clock() + ttlMs);
    const body = JSON.stringify({ k: Buffer.from(admissionKey(secret)).toString('base64'), exp: expires });
    this.state.putSecret(TOKENS, id, Buffer.from(body));
    return { secret, id, expires };
  }

  /** The token with this id, if it exists, is not revoked and has not expired. */
  valid(id: string): TokenRecord | undefined {
    if (!/^[0-9a-f]{32}$/.test(id)) return undefined;
    const bytes = this.state.getSecret(TOKENS, id);
    if (!bytes) return undefined;
    try {
      const v = JSON.parse(Buffer.from(bytes).toString('utf8')) as { k?: unknown; exp?: unknown };
      if (typeof v.k !== 'string' || typeof v.exp !== 'number') return undefined;
      if (v.exp <= this.clock()) return undefined;
      const psk = new Uint8Array(Buffer.from(v.k, 'base64'));
      return psk.length === 32 ? { id, psk, expires: v.exp } : undefined;
    } catch {
      return undefined;
    }
  }

  /** Revokes one token (by its secret) or all of them; returns how many were live. */
  revoke(secret?: Uint8Array): number {
    const ids = secret ? [tokenId(secret)] : this.state.listSecrets(TOKENS);
    let n = 0;
    for (const id of ids) {
      if (!this.state.getSecret(TOKENS, id)) continue;
      this.state.removeSecret(TOKENS, id);
      n++;
    }
    return n;
  }

  deny(nodeId: string): void {
    this.state.putSecret(DENIED, nodeId, Buffer.from(JSON.stringify({ at: this.clock() })));
  }

  denied(nodeId: string): boolean {
    return this.state.getSecret(DENIED, nodeId) !== undefined;
  }

  deniedIds(): string[] {
    return this.state.listSecrets(DENIED);
  }
}
