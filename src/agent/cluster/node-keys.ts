/**
 * Which Ed25519 public key speaks for which node id: the binding signed member metadata is
 * checked against (membership/signed-meta.ts). Kept in the replicated state under the scope
 * `@nodekey` (as join tokens are, tokens.ts), written by the member that admits a node (the
 * key came sealed in the admission, from a joiner that proved it holds a live token), by
 * the first node at `fizz init`, and by a node of a cluster made before this release that
 * finds no entry of its own. A joiner gets the whole table in its welcome, so it can check
 * the members' alives before its copy of the state has synced.
 */
import type { ClusterState } from '../../../crdt/index.js';

const SCOPE = '@nodekey';
export const NODE_KEY_BYTES = 32;

export class NodeKeys {
  /** Keys from the welcome, used where the state holds none (yet). */
  private readonly learned = new Map<string, Uint8Array>();

  constructor(private readonly state: ClusterState) {}

  get(node: string): Uint8Array | undefined {
    const k = this.state.getSecret(SCOPE, node);
    if (k !== undefined && k.length === NODE_KEY_BYTES) return k;
    return this.learned.get(node);
  }

  /** Binds `node` to `key` in the state (a write only when it changes). */
  register(node: string, key: Uint8Array): void {
    if (key.length !== NODE_KEY_BYTES) throw new RangeError(`a node key is ${NODE_KEY_BYTES} bytes`);
    const had = this.state.getSecret(SCOPE, node);
    if (had === undefined || !Buffer.from(had).equals(Buffer.from(key)))
      this.state.putSecret(SCOPE, node, key);
  }

  /** Whether the state binds `node` to a key other than `key`. */
  boundElsewhere(node: string, key: Uint8Array): boolean {
    const had = this.state.getSecret(SCOPE, node);
    return had !== undefined && !Buffer.from(had).equals(Buffer.from(key));
  }

  /** Every binding known (the state's, else the welcome's). */
  entries(): Map<string, Uint8Array> {
    const out = new Map(this.learned);
    for (const node of this.state.listSecrets(SCOPE)) {
      const k = this.get(node);
      if (k) out.set(node, k);
    }
    return out;
  }

  /** The node id bound to `key`, if any. */
  nodeOf(key: Uint8Array): string | undefined {
    const want = Buffer.from(key);
    for (const [node, k] of this.entries()) if (want.equals(Buffer.from(k))) return node;
    return undefined;
  }

  /** Every binding, base64url, for a welcome. */
  table(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const node of this.state.listSecrets(SCOPE)) {
      const k = this.get(node);
      if (k) out[node] = Buffer.from(k).toString('base64url');
    }
    return out;
  }

  /** Takes a welcome's table (ill-formed entries are skipped). */
  learn(table: Record<string, unknown> | undefined): void {
    for (const [node, v] of Object.entries(table ?? {})) {
      if (typeof v !== 'string') continue;
      const k = new Uint8Array(Buffer.from(v, 'base64url'));
      if (k.length === NODE_KEY_BYTES) this.learned.set(node, k);
    }
  }
}
