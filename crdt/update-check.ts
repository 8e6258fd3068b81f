/**
 * Decodes a whole Yjs v2 update before it is applied, with a bound on the work. Yjs's
 * decoders do not fail when a run-length-encoded column runs out: they repeat its last
 * value, so an update of a hundred bytes can claim 2^40 structs (or 2^40 strings of one
 * struct) and keep a replica's thread busy for minutes (the wire fuzzer found such a
 * 94-byte update that took 6 s, test/fuzz/). Honest updates need far fewer reads than that
 * per byte: a run of deletions compresses to ~110 structs a byte, the cluster state's own
 * registers to ~10.
 */
import * as Y from 'yjs';
import { UpdateDecodeError } from './errors.js';

/** Struct and string reads allowed per byte of the update, and at least. */
const READS_PER_BYTE = 256;
const MIN_READS = 10_000;
/** Whatever the size: 40 times the history at which a node rebases its state (state-rebase.ts). */
const MAX_READS = 2_000_000;

export function readBudget(bytes: number): number {
  return Math.min(MAX_READS, MIN_READS + READS_PER_BYTE * bytes);
}

/** Yjs's v2 decoder, counting the reads a forged update can repeat for free. */
class BoundedDecoderV2 extends Y.UpdateDecoderV2 {
  private left: number;

  constructor(decoder: ConstructorParameters<typeof Y.UpdateDecoderV2>[0]) {
    super(decoder);
    this.left = readBudget(decoder.arr.length);
  }

  private spend(): void {
    if (--this.left < 0) throw new UpdateDecodeError('update claims more structs than its size allows');
  }

  override readInfo(): number {
    this.spend();
    return super.readInfo();
  }

  override readString(): string {
    this.spend();
    return super.readString();
  }
}

/** Throws (UpdateDecodeError for an over-long claim, Yjs's error otherwise) unless `bytes`
 * decode whole within the read budget. */
export function checkUpdate(bytes: Uint8Array): void {
  Y.decodeUpdateV2(bytes, BoundedDecoderV2);
}
