/**
 * Signed metadata, as a hook: swim/ knows no key or signature scheme. A node with a signer
 * wraps its own metadata for every alive it sends (the wrapping covers its name,
 * incarnation and address, so a member re-signs whenever its incarnation changes), and
 * opens every other member's alive before it changes anything: an alive whose metadata the
 * signer refuses is dropped and counted as `forged`. Members hold the wrapped bytes and
 * pass them on unchanged (gossip, push-pull), so every receiver checks the original
 * signer's signature, not the relay's word.
 */
export interface MetaSigner {
  /** The wire form of our `meta` for an alive of `node` at `incarnation` from `addr`. */
  sign(node: string, incarnation: number, addr: string, meta: Uint8Array): Uint8Array;
  /**
   * The metadata inside `wire`, if it is signed by `node` for exactly this incarnation and
   * address; else throws a SwimError (ForgedError, DecodeError): never anything else.
   */
  open(node: string, incarnation: number, addr: string, wire: Uint8Array): Uint8Array;
}
