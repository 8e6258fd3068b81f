import { createCipheriv, createDecipheriv, randomFillSync } from 'node:crypto';
import { AuthError, KeyringError } from './errors.js';

const NONCE = 12;
const TAG = 16;
/** Bytes AES-256-GCM adds to a payload: nonce and tag. */
export const ENCRYPTION_OVERHEAD = NONCE + TAG;

/**
 * AES-256-GCM keys of the cluster. The first key (the primary) encrypts; every key is
 * tried to decrypt, so a key can be rotated by installing the new one everywhere, making
 * it primary everywhere, then removing the old one. The caller binds the cluster id as
 * associated data, so a packet sealed for one cluster never opens in another.
 */
export class Keyring {
  private keys: Buffer[];

  constructor(keys: Uint8Array[]) {
    if (keys.length === 0) throw new KeyringError('a keyring needs at least one key');
    this.keys = keys.map(check);
  }

  get size(): number {
    return this.keys.length;
  }

  /** Adds a key for decryption (it does not become primary). */
  addKey(key: Uint8Array): void {
    const k = check(key);
    if (!this.keys.some((x) => x.equals(k))) this.keys.push(k);
  }

  /** Makes an installed key the primary (encrypting) key. */
  useKey(key: Uint8Array): void {
    const k = check(key);
    const i = this.keys.findIndex((x) => x.equals(k));
    if (i < 0) throw new KeyringError('key is not installed');
    this.keys.splice(i, 1);
    this.keys.unshift(k);
  }

  removeKey(key: Uint8Array): void {
    const k = check(key);
    if (this.keys[0]!.equals(k)) throw new KeyringError('cannot remove the primary key');
    this.keys = this.keys.filter((x) => !x.equals(k));
  }

  /** nonce ‖ ciphertext ‖ tag */
  encrypt(plain: Uint8Array, aad: Uint8Array): Uint8Array {
    const out = Buffer.allocUnsafe(NONCE + plain.length + TAG);
    randomFillSync(out, 0, NONCE);
    const cipher = createCipheriv('aes-256-gcm', this.keys[0]!, out.subarray(0, NONCE));
    cipher.setAAD(aad);
    const n = cipher.update(plain).copy(out, NONCE);
    cipher.final();
    cipher.getAuthTag().copy(out, NONCE + n);
    return out;
  }

  decrypt(sealed: Uint8Array, aad: Uint8Array): Uint8Array {
    if (sealed.length < NONCE + TAG) throw new AuthError('sealed payload too short');
    const nonce = sealed.subarray(0, NONCE);
    const body = sealed.subarray(NONCE, sealed.length - TAG);
    const tag = sealed.subarray(sealed.length - TAG);
    for (const key of this.keys) {
      try {
        const d = createDecipheriv('aes-256-gcm', key, nonce);
        d.setAAD(aad);
        d.setAuthTag(tag);
        const plain = d.update(body);
        d.final();
        return plain;
      } catch {
        // try the next key
      }
    }
    throw new AuthError('no key in the keyring authenticates this payload');
  }
}

function check(key: Uint8Array): Buffer {
  if (key.length !== 32) throw new KeyringError(`AES-256 keys are 32 bytes, got ${key.length}`);
  return Buffer.from(key);
}
