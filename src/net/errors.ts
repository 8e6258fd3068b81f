/** One error class per failure of the cluster network, each with a stable `name`. */

/** A gossip message or sync frame that does not decode (wrong version, type, length). */
export class EnvelopeError extends Error {
  override readonly name = 'EnvelopeError';
}

/** The identity file in the data directory exists but does not hold a private key. */
export class IdentityFileError extends Error {
  override readonly name = 'IdentityFileError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The cluster key is missing or too short to derive the network keys from. */
export class ClusterKeyError extends Error {
  override readonly name = 'ClusterKeyError';
}

/** An anti-entropy exchange failed (timeout, closed stream, bad frame). */
export class SyncError extends Error {
  override readonly name = 'SyncError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A sync stream over one of the resource limits (defined beside the limits). */
export { SyncLimitError } from './limits.js';
