/**
 * Join tokens, version 2: `FIZZ2-` and base64url of a random join secret, the cluster's
 * fingerprint and a few members' addresses. The token holds no cluster key: a joiner proves
 * it knows the secret to a member over a fresh X25519 channel (admission.ts) and gets the key
 * from it, so a token that expired or was revoked is worth nothing, and a recording of an
 * admission tells its holder nothing either. Members keep the secret's hash, its expiry and
 * revocation in the replicated state (tokens.ts), so any member can admit.
 *
 * Layout (version 2): 0x02 | secret (32) | fingerprint (8) | n (1) | n × (len (1) | address).
 * A token may name no address (`fizz token --no-addresses`): the joiner then finds a member
 * by mDNS (mdns.ts).
 */
import { JoinTokenError, parseAddress } from './config.js';

export const TOKEN_PREFIX = 'FIZZ2-';
const VERSION = 2;
const SECRET_BYTES = 32;
const FINGERPRINT_BYTES = 8;
const MAX_ADDRESSES = 8;
const MAX_TEXT = 1024;

export interface JoinTokenV2 {
  secret: Uint8Array;
  /** The first 8 bytes of the hash of the cluster's public secrets recipient (fingerprint()). */
  fingerprint: Uint8Array;
  /** `host:port` of members (their cluster port). */
  addresses: string[];
}

const damaged = () =>
  new JoinTokenError('the join token is damaged (copy it again, whole, from `fizz token` on a member)');

export function encodeJoinToken(t: JoinTokenV2): string {
  if (t.secret.length !== SECRET_BYTES || t.fingerprint.length !== FINGERPRINT_BYTES)
    throw new TypeError('a join token needs a 32-byte secret and an 8-byte fingerprint');
  const addrs = t.addresses.slice(0, MAX_ADDRESSES).map((a) => Buffer.from(a, 'utf8'));
  const parts = [
    Buffer.from([VERSION]),
    Buffer.from(t.secret),
    Buffer.from(t.fingerprint),
    Buffer.from([addrs.length]),
    ...addrs.flatMap((a) => [Buffer.from([a.length]), a]),
  ];
  return TOKEN_PREFIX + Buffer.concat(parts).toString('base64url');
}

/** Every byte is hostile: anything but a well-formed token is JoinTokenError, nothing else. */
export function decodeJoinToken(text: string): JoinTokenV2 {
  const s = typeof text === 'string' ? text.trim() : '';
  if (s.startsWith('FIZZ1-'))
    throw new JoinTokenError(
      'this is a join token of an older Fizz (FIZZ1-, it carried the cluster key): print a new one with `fizz token` on a member',
    );
  if (!s.startsWith(TOKEN_PREFIX) || s.length > MAX_TEXT)
    throw new JoinTokenError(
      'this is not a Fizz join token (it starts with FIZZ2-; print one with `fizz token` on a member)',
    );
  const body = s.slice(TOKEN_PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(body)) throw damaged();
  const b = Buffer.from(body, 'base64url');
  let at = 0;
  const take = (n: number): Buffer => {
    if (at + n > b.length) throw damaged();
    const out = b.subarray(at, at + n);
    at += n;
    return out;
  };
  if (take(1)[0] !== VERSION) throw damaged();
  const secret = new Uint8Array(take(SECRET_BYTES));
  const fingerprint = new Uint8Array(take(FINGERPRINT_BYTES));
  const n = take(1)[0]!;
  if (n > MAX_ADDRESSES) throw damaged();
  const addresses: string[] = [];
  for (let i = 0; i < n; i++) {
    const a = take(take(1)[0]!).toString('utf8');
    if (parseAddress(a, 0).port === 0 || /\s/.test(a)) throw damaged();
    addresses.push(a);
  }
  if (at !== b.length) throw damaged();
  return { secret, fingerprint, addresses };
}
