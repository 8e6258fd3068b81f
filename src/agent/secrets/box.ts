/**
 * Sealing secret and config values to the cluster: age (X25519) encryption to the cluster's
 * secrets identity, so the desired state, its log on disk and every gossip message hold only
 * ciphertext. A node in no cluster uses a local identity kept in FIZZ_HOME/secrets.key (0600);
 * `fizz init` makes that identity the cluster's, so what was sealed before stays readable,
 * and `fizz join` brings the cluster's identity to the new member.
 */
import { createHash, createHmac } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Decrypter, Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { SecretDecryptError } from './errors.js';

export const LOCAL_IDENTITY_FILE = 'secrets.key';

const IDENTITY = /^AGE-SECRET-KEY-1[0-9A-Z]{50,}$/;

export function isAgeIdentity(s: unknown): s is string {
  return typeof s === 'string' && IDENTITY.test(s);
}

/** This home's own identity, made on first use. */
export async function localIdentity(home: string): Promise<string> {
  const file = join(home, LOCAL_IDENTITY_FILE);
  try {
    const text = readFileSync(file, 'utf8').trim();
    if (isAgeIdentity(text)) return text;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const id = await generateX25519Identity();
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, `${id}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  return id;
}

export class SecretBox {
  /** `identity` gives the identity in force now (it changes on `fizz init` / `join`). */
  constructor(private readonly identity: () => Promise<string>) {}

  async seal(value: Uint8Array): Promise<Uint8Array> {
    const e = new Encrypter();
    e.addRecipient(await identityToRecipient(await this.identity()));
    return e.encrypt(value);
  }

  async open(ciphertext: Uint8Array, what: string): Promise<Uint8Array> {
    const d = new Decrypter();
    d.addIdentity(await this.identity());
    try {
      return await d.decrypt(ciphertext);
    } catch (err) {
      throw new SecretDecryptError(
        `${what} cannot be decrypted on this node (${(err as Error).message}); it was sealed to another cluster's key, or is damaged: create it again`,
      );
    }
  }

  /**
   * A version of a value that changes when the value does and tells nothing to whoever
   * lacks the identity (a keyed hash: a plain hash of a short password could be guessed).
   * Equal values give equal versions, so a second `up` of the same file recreates nothing.
   */
  async version(value: Uint8Array): Promise<string> {
    const key = createHash('sha256')
      .update('fizz secret version\0')
      .update(await this.identity())
      .digest();
    return createHmac('sha256', key).update(value).digest('hex').slice(0, 32);
  }
}

/** The version of a stored ciphertext (each `fizz secret create` seals anew: a new version). */
export function ciphertextVersion(ct: Uint8Array): string {
  return createHash('sha256').update(ct).digest('hex').slice(0, 32);
}
