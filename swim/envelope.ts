import { createHash } from 'node:crypto';
import type { Writer } from './bytes.js';
import { AuthError, DecodeError, VersionError, WrongClusterError } from './errors.js';
import { ENCRYPTION_OVERHEAD, type Keyring } from './keyring.js';

/**
 * The outer frame of every packet and stream payload:
 *
 *   [version u8 = 1][flags u8][cluster tag: 4 bytes][body]
 *
 * flags bit 0 set: the body is AES-256-GCM sealed (keyring.ts) with the header and the
 * full cluster id as associated data. The cluster tag (first 4 bytes of
 * SHA-256("fizz-swim:" + cluster id)) lets a receiver count packets from another cluster
 * apart from forged ones; it is authenticated, not secret.
 */
export const WIRE_VERSION = 1;
export const HEADER_SIZE = 6;
const FLAG_ENCRYPTED = 1;

export class Envelope {
  readonly tag: Buffer;
  private readonly clusterId: Buffer;
  readonly overhead: number;

  constructor(
    clusterId: string,
    /** undefined: plaintext, for the simulator only (it still runs the codec). */
    readonly keyring: Keyring | undefined,
  ) {
    this.clusterId = Buffer.from(clusterId, 'utf8');
    this.tag = createHash('sha256').update(`fizz-swim:${clusterId}`).digest().subarray(0, 4);
    this.overhead = HEADER_SIZE + (keyring ? ENCRYPTION_OVERHEAD : 0);
  }

  /** Starts a frame: the body follows at HEADER_SIZE. */
  begin(w: Writer): void {
    w.reset();
    w.u8(WIRE_VERSION);
    w.u8(this.keyring ? FLAG_ENCRYPTED : 0);
    w.raw(this.tag);
  }

  /** Finishes a frame begun with `begin` and returns the bytes to send. */
  finish(w: Writer): Uint8Array {
    if (!this.keyring) return w.copy();
    const header = w.buf.subarray(0, HEADER_SIZE);
    const sealed = this.keyring.encrypt(w.buf.subarray(HEADER_SIZE, w.pos), this.aad(header));
    const out = new Uint8Array(HEADER_SIZE + sealed.length);
    out.set(header, 0);
    out.set(sealed, HEADER_SIZE);
    return out;
  }

  /**
   * Checks the frame and returns the body with the offset it starts at.
   * Throws VersionError, WrongClusterError, AuthError or DecodeError.
   */
  open(bytes: Uint8Array): { body: Uint8Array; start: number } {
    if (bytes.length < HEADER_SIZE)
      throw new DecodeError(`frame of ${bytes.length} bytes is shorter than its header`);
    if (bytes[0] !== WIRE_VERSION)
      throw new VersionError(`wire version ${bytes[0]} (this node speaks ${WIRE_VERSION})`);
    const flags = bytes[1]!;
    if (flags & ~FLAG_ENCRYPTED) throw new DecodeError(`unknown flags ${flags}`);
    for (let i = 0; i < 4; i++)
      if (bytes[2 + i] !== this.tag[i]) throw new WrongClusterError('packet is for another cluster');
    const encrypted = (flags & FLAG_ENCRYPTED) !== 0;
    if (!this.keyring) {
      if (encrypted) throw new AuthError('encrypted packet but this node has no keyring');
      return { body: bytes, start: HEADER_SIZE };
    }
    if (!encrypted) throw new AuthError('plaintext packet refused: this cluster requires encryption');
    const header = bytes.subarray(0, HEADER_SIZE);
    return { body: this.keyring.decrypt(bytes.subarray(HEADER_SIZE), this.aad(header)), start: 0 };
  }

  private aad(header: Uint8Array): Buffer {
    return Buffer.concat([header, this.clusterId]);
  }
}
