/**
 * A new cluster key sealed to each member's own Ed25519 identity (converted to X25519), so
 * it can travel in the replicated state — on every disk and wire — as ciphertext only, and
 * only the members it was sealed to (never a removed node) can open it:
 *
 *   per member: AES-256-GCM under HKDF-SHA256(X25519(e, member), salt = epk, info =
 *   "fizz/key-seal/1" ‖ rotation id ‖ node id), stored as nonce ‖ ciphertext ‖ tag.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';

export class KeySealError extends Error {
  override readonly name = 'KeySealError';
}

export interface SealedKey {
  /** The ephemeral X25519 public key, base64url. */
  epk: string;
  /** Node id → base64url of nonce ‖ ciphertext ‖ tag. */
  sealed: Record<string, string>;
}

function wrapKey(shared: Uint8Array, epk: Uint8Array, id: string, node: string): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, epk, `fizz/key-seal/1\0${id}\0${node}`, 32));
}

/** Seals `key` to every node of `to` (node id → Ed25519 public key) for rotation `id`. */
export function sealKey(key: Uint8Array, to: Map<string, Uint8Array>, id: string): SealedKey {
  const e = x25519.utils.randomSecretKey();
  const epk = x25519.getPublicKey(e);
  const sealed: Record<string, string> = {};
  for (const [node, pub] of to) {
    const k = wrapKey(x25519.getSharedSecret(e, ed25519.utils.toMontgomery(pub)), epk, id, node);
    const nonce = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', k, nonce);
    const ct = Buffer.concat([c.update(key), c.final()]);
    sealed[node] = Buffer.concat([nonce, ct, c.getAuthTag()]).toString('base64url');
  }
  return { epk: Buffer.from(epk).toString('base64url'), sealed };
}

/** Opens the entry for `node` with its Ed25519 secret key; KeySealError if it cannot. */
export function openKey(s: SealedKey, node: string, secretKey: Uint8Array, id: string): Uint8Array {
  const entry = s.sealed[node];
  if (typeof entry !== 'string') throw new KeySealError(`the new key was not sealed to ${node}`);
  const box = Buffer.from(entry, 'base64url');
  const epk = Buffer.from(s.epk, 'base64url');
  if (box.length < 12 + 16 + 1 || epk.length !== 32) throw new KeySealError('a sealed key is malformed');
  try {
    const shared = x25519.getSharedSecret(ed25519.utils.toMontgomerySecret(secretKey), epk);
    const d = createDecipheriv('aes-256-gcm', wrapKey(shared, epk, id, node), box.subarray(0, 12));
    d.setAuthTag(box.subarray(box.length - 16));
    return new Uint8Array(Buffer.concat([d.update(box.subarray(12, box.length - 16)), d.final()]));
  } catch (cause) {
    throw new KeySealError('the sealed key does not open with this node key', { cause });
  }
}
