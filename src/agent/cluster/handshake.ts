/**
 * The admission handshake's messages and keys, as pure functions over bytes (admission.ts
 * moves them over TCP). Both sides hold the token's admission key (tokens.ts); each makes an
 * ephemeral X25519 key (@noble/curves), and the session keys come from HKDF over the ECDH
 * secret, salted with the admission key and bound to the transcript. So:
 * - only a holder of a live token can finish it (the member checks the joiner's MAC, and
 *   says nothing at all to a hello whose token it does not know);
 * - the joiner knows it talks to a member (the member's MAC) and not to a spoofed address;
 * - a recording of it, even with the token, does not give the cluster key (the ephemeral
 *   keys are gone).
 *
 *   joiner → member  hello     "FZJ2" | e_J (32) | token id (16)
 *   member → joiner  challenge e_M (32) | HMAC(k_mac, "member")
 *   joiner → member  proof     HMAC(k_mac, "joiner") | seal(k_enc, {node, name})
 *   member → joiner  welcome   seal(k_enc, {ok, key, secrets, tie, seeds} | {ok: false, reason})
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { x25519 } from '@noble/curves/ed25519.js';

export const MAGIC = Buffer.from('FZJ2');
export const HELLO_BYTES = 4 + 32 + 16;
export const CHALLENGE_BYTES = 64;

/** A handshake message that is malformed, a MAC that does not verify, a ciphertext that does not open. */
export class HandshakeError extends Error {
  override readonly name = 'HandshakeError';
}

export interface Ephemeral {
  priv: Uint8Array;
  pub: Uint8Array;
}

export function ephemeral(): Ephemeral {
  const priv = x25519.utils.randomSecretKey();
  return { priv, pub: x25519.getPublicKey(priv) };
}

export interface Session {
  mac: Buffer;
  enc: Buffer;
}

export function hello(e: Ephemeral, id: Buffer): Buffer {
  return Buffer.concat([MAGIC, e.pub, id]);
}

export function parseHello(b: Buffer): { pub: Uint8Array; id: string } {
  if (b.length !== HELLO_BYTES || !b.subarray(0, 4).equals(MAGIC)) throw new HandshakeError('not a hello');
  return { pub: new Uint8Array(b.subarray(4, 36)), id: b.subarray(36, 52).toString('hex') };
}

/** The session keys of both sides: equal when both hold the same admission key. */
export function session(
  mine: Ephemeral,
  theirs: Uint8Array,
  psk: Uint8Array,
  helloBytes: Buffer,
  memberPub: Uint8Array,
): Session {
  let shared: Uint8Array;
  try {
    shared = x25519.getSharedSecret(mine.priv, theirs);
  } catch (err) {
    throw new HandshakeError(`bad public key: ${(err as Error).message}`);
  }
  // A low-order point gives an all-zero secret: refuse it rather than key off nothing.
  if (shared.every((x) => x === 0)) throw new HandshakeError('bad public key');
  const info = Buffer.concat([Buffer.from('fizz admission v2\0'), helloBytes, memberPub]);
  const okm = Buffer.from(hkdfSync('sha256', shared, psk, info, 64));
  return { mac: okm.subarray(0, 32), enc: okm.subarray(32) };
}

export function tag(s: Session, who: 'member' | 'joiner'): Buffer {
  return createHmac('sha256', s.mac).update(who).digest();
}

export function checkTag(s: Session, who: 'member' | 'joiner', got: Buffer): void {
  const want = tag(s, who);
  if (got.length !== want.length || !timingSafeEqual(got, want))
    throw new HandshakeError(`${who} proof does not verify`);
}

/** AES-256-GCM with a random nonce: nonce (12) | ciphertext | tag (16). */
export function seal(s: Session, value: unknown, aad: string): Buffer {
  const nonce = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', s.enc, nonce);
  c.setAAD(Buffer.from(aad));
  const body = Buffer.concat([c.update(JSON.stringify(value), 'utf8'), c.final()]);
  return Buffer.concat([nonce, body, c.getAuthTag()]);
}

export function open(s: Session, b: Buffer, aad: string): unknown {
  if (b.length < 28) throw new HandshakeError('sealed message too short');
  try {
    const d = createDecipheriv('aes-256-gcm', s.enc, b.subarray(0, 12));
    d.setAAD(Buffer.from(aad));
    d.setAuthTag(b.subarray(b.length - 16));
    const text = Buffer.concat([d.update(b.subarray(12, b.length - 16)), d.final()]).toString('utf8');
    return JSON.parse(text) as unknown;
  } catch {
    throw new HandshakeError('sealed message does not open');
  }
}
