/** The failures of the peer-to-peer image spread, one class each (tests assert on `name`). */

/** What a peer sent does not match the image asked for (a digest differs, a file is missing): never loaded. */
export class CorruptImageError extends Error {
  override readonly name = 'CorruptImageError';
}

/** No node of the cluster advertises the image. */
export class NoPeerHasImageError extends Error {
  override readonly name = 'NoPeerHasImageError';
  constructor(readonly image: string) {
    super(`image "${image}": no node of the cluster has it`);
  }
}

/** Every node that has the image was tried, and each transfer failed. */
export class ImageTransferError extends Error {
  override readonly name = 'ImageTransferError';
}
