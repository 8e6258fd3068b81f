/**
 * Fast 32-bit hashing for rendezvous scores. Not cryptographic: placement needs scores
 * that look independent per (slot, node) pair and are identical on every node, at ten
 * million pairs in well under a second.
 */

/** FNV-1a over the UTF-16 code units of `s`, finished with murmur3's fmix32. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** murmur3's finaliser: every input bit flips each output bit with probability ~1/2. */
export function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The pre-multiplied node hash that `pairHash` mixes with a slot hash. */
export function nodeSalt(nodeHash: number): number {
  return Math.imul(nodeHash, 0x9e3779b1) >>> 0;
}

/** A hash of the pair (slot, node), from their own hashes: two rounds, so it is no function of one xor alone. */
export function pairHash(slotHash: number, nodeHash: number, salt: number): number {
  return fmix32(fmix32(slotHash ^ salt) ^ nodeHash);
}

/** The pair hash as a uniform number in (0, 1). */
export function unit(h: number): number {
  return (h + 0.5) / 4294967296;
}
