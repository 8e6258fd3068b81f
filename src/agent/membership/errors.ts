/** One error class per failure of the membership wiring, each with a stable `name`. */

/** A SWIM stream frame that is over the size cap or cut short (hostile or broken peer). */
export class SwimFrameError extends Error {
  override readonly name = 'SwimFrameError';
  constructor(
    readonly reason: 'oversize' | 'truncated',
    message: string,
  ) {
    super(message);
  }
}

/** A SWIM stream over libp2p that failed: dial refused, timed out, closed without a reply. */
export class SwimStreamError extends Error {
  override readonly name = 'SwimStreamError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The node could not start (port taken, store or network failed). */
export class ClusterNodeStartError extends Error {
  override readonly name = 'ClusterNodeStartError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
