/**
 * Member metadata signed by the member's own Ed25519 identity (its libp2p key, `peer.key`),
 * checked against the key the cluster registered for its node id (node-keys.ts). The wire
 * form SWIM gossips in place of the bare metadata:
 *
 *   [version u8 = 1][Ed25519 signature: 64 bytes][metadata]
 *
 * The signature covers a domain label, the cluster id, the member's name, incarnation and
 * address, and the metadata, each length-prefixed: the same bytes can neither be moved to
 * another cluster, node, incarnation or address, nor cut differently. An alive whose
 * metadata does not open here is dropped by swim/ and counted as `forged`.
 */
import { publicKeyFromRaw } from '@libp2p/crypto/keys';
import { ed25519 } from '@noble/curves/ed25519.js';
import { DecodeError, decodeMeta, ForgedError, type MetaSigner } from '../../../swim/index.js';
import { peerIdOfMember } from './member-view.js';

export const SIGNED_META_VERSION = 1;
const SIGNATURE_BYTES = 64;
const HEADER = 1 + SIGNATURE_BYTES;
const LABEL = new TextEncoder().encode('fizz/member-meta/1');

/** The bytes a signature covers. */
export function signedMetaMessage(
  clusterId: string,
  node: string,
  incarnation: number,
  addr: string,
  meta: Uint8Array,
): Uint8Array {
  const enc = new TextEncoder();
  const parts = [LABEL, enc.encode(clusterId), enc.encode(node), enc.encode(addr), meta];
  const out = new Uint8Array(4 + parts.reduce((n, p) => n + 4 + p.length, 0));
  const view = new DataView(out.buffer);
  let at = 0;
  for (const [i, p] of parts.entries()) {
    view.setUint32(at, p.length);
    out.set(p, at + 4);
    at += 4 + p.length;
    if (i === 2) {
      view.setUint32(at, incarnation >>> 0);
      at += 4;
    }
  }
  return out;
}

/** `[version][signature][meta]` → its parts; throws DecodeError (a SwimError) on anything else. */
export function decodeSignedMeta(wire: Uint8Array): { signature: Uint8Array; meta: Uint8Array } {
  if (!(wire instanceof Uint8Array) || wire.length < HEADER)
    throw new DecodeError(`signed metadata of ${wire?.length ?? 0} bytes is shorter than its header`);
  if (wire[0] !== SIGNED_META_VERSION)
    throw new DecodeError(`signed metadata version ${wire[0]} (this node speaks ${SIGNED_META_VERSION})`);
  return { signature: wire.subarray(1, HEADER), meta: wire.subarray(HEADER) };
}

export interface SignerOptions {
  clusterId: string;
  /** This node's Ed25519 private key (the 32-byte seed). */
  secretKey: Uint8Array;
  /** The public key the cluster registered for a node id, if any. */
  keyOf: (node: string) => Uint8Array | undefined;
  /** Why a node's alives are refused whatever they carry (it was removed), or undefined. */
  refused?: (node: string) => string | undefined;
}

export class Ed25519MetaSigner implements MetaSigner {
  /** Peer id of each public key seen (hex), so a member's libp2p address is checked cheaply. */
  private readonly peerIds = new Map<string, string>();

  constructor(private readonly o: SignerOptions) {
    if (o.secretKey.length !== 32) throw new ForgedError('an Ed25519 secret key is 32 bytes');
  }

  get publicKey(): Uint8Array {
    return ed25519.getPublicKey(this.o.secretKey);
  }

  sign(node: string, incarnation: number, addr: string, meta: Uint8Array): Uint8Array {
    const sig = ed25519.sign(
      signedMetaMessage(this.o.clusterId, node, incarnation, addr, meta),
      this.o.secretKey,
    );
    const out = new Uint8Array(HEADER + meta.length);
    out[0] = SIGNED_META_VERSION;
    out.set(sig, 1);
    out.set(meta, HEADER);
    return out;
  }

  open(node: string, incarnation: number, addr: string, wire: Uint8Array): Uint8Array {
    const { signature, meta } = decodeSignedMeta(wire);
    const why = this.o.refused?.(node);
    if (why !== undefined) throw new ForgedError(`alive of ${node} refused: ${why}`);
    const key = this.o.keyOf(node);
    if (key === undefined) throw new ForgedError(`no key is registered for ${node}`);
    let ok = false;
    try {
      ok = ed25519.verify(signature, signedMetaMessage(this.o.clusterId, node, incarnation, addr, meta), key);
    } catch {
      ok = false;
    }
    if (!ok) throw new ForgedError(`metadata of ${node} is not signed by its key`);
    // The libp2p identity it advertises must be the same key: no member can point the state
    // network at another peer under its name.
    const advertised = peerIdOfMember({ meta: decodeMeta(meta) });
    if (advertised !== undefined && advertised !== this.peerIdOf(key))
      throw new ForgedError(`${node} advertises a libp2p peer id that is not its key's`);
    return meta;
  }

  private peerIdOf(key: Uint8Array): string {
    const hex = Buffer.from(key).toString('hex');
    let id = this.peerIds.get(hex);
    if (id === undefined) {
      try {
        id = publicKeyFromRaw(key).toString();
      } catch {
        throw new ForgedError('the registered key is not an Ed25519 public key');
      }
      if (this.peerIds.size > 4096) this.peerIds.clear();
      this.peerIds.set(hex, id);
    }
    return id;
  }
}
