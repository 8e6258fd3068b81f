/**
 * A 64-bit digest of a node's member list, so two nodes can tell in a few bytes whether
 * they see the same membership (ringpop compares checksums the same way) before swapping
 * whole lists.
 *
 * Every member contributes a 64-bit hash of (name, incarnation, state): two murmur3-style
 * 32-bit lanes with different seeds over the name's UTF-16 code units, then the
 * incarnation and the state. The digest is the lane-wise sum (mod 2^32) of all
 * contributions, so it does not depend on order (no sorting) and equal member lists give
 * equal digests on every node. Address and metadata are left out: they change only with
 * the incarnation. It detects drift, it is not a MAC: members already hold the cluster key.
 */
import type { MemberState } from './types.js';

export interface Digest {
  hi: number;
  lo: number;
  /** Members in the list (dead and left ones included). */
  count: number;
}

/** What the digest reads of a member. */
export interface DigestEntry {
  readonly name: string;
  readonly incarnation: number;
  readonly state: MemberState;
}

const SEED_HI = 0x9e3779b9;
const SEED_LO = 0x85ebca77;

function mix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function fmix(h: number, len: number): number {
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function lane(seed: number, e: DigestEntry): number {
  let h = seed;
  const name = e.name;
  for (let i = 0; i < name.length; i++) h = mix(h, name.charCodeAt(i));
  h = mix(h, e.incarnation >>> 0);
  h = mix(h, e.state);
  return fmix(h, name.length + 2);
}

/** The digest of `members`, computed afresh: O(N). */
export function membershipDigest(members: Iterable<DigestEntry>): Digest {
  let hi = 0;
  let lo = 0;
  let count = 0;
  for (const e of members) {
    hi = (hi + lane(SEED_HI, e)) >>> 0;
    lo = (lo + lane(SEED_LO, e)) >>> 0;
    count++;
  }
  return { hi, lo, count };
}

export function sameDigest(a: Digest, b: Digest): boolean {
  return a.hi === b.hi && a.lo === b.lo && a.count === b.count;
}

/**
 * The digest of a node's member map, recomputed only when the map changed: `changes`
 * is the node's count of membership updates (every state change is broadcast, see
 * core.ts), the size catches silent bootstrap additions. So a node in steady state pays
 * nothing per period, and O(N) at most once per push-pull otherwise.
 */
export class DigestCache {
  private changes = -1;
  private size = -1;
  private value: Digest = { hi: 0, lo: 0, count: 0 };

  get(changes: number, members: ReadonlyMap<string, DigestEntry>): Digest {
    if (changes !== this.changes || members.size !== this.size) {
      this.value = membershipDigest(members.values());
      this.changes = changes;
      this.size = members.size;
    }
    return this.value;
  }
}
