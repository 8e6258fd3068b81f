/** One error class per failure, each with a stable `name` that callers and tests match on. */
export class SwimError extends Error {
  override name = 'SwimError';
}

/** No seed answered a join, after every retry. */
export class JoinError extends SwimError {
  override name = 'SwimJoinError';
  constructor(
    readonly seeds: string[],
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(
      `could not join: none of the seeds answered after ${attempts} attempt(s): ${seeds.join(', ')}`,
      options,
    );
  }
}

/** A packet or stream payload that does not decode. */
export class DecodeError extends SwimError {
  override name = 'SwimDecodeError';
}

/** A packet that fails authentication (wrong key, tampered, or plaintext where a key is required). */
export class AuthError extends SwimError {
  override name = 'SwimAuthError';
}

/** A packet whose cluster tag names another cluster. */
export class WrongClusterError extends SwimError {
  override name = 'SwimWrongClusterError';
}

/** A packet whose wire version this node does not speak. */
export class VersionError extends SwimError {
  override name = 'SwimVersionError';
}

/** Member metadata over the size limit or not of the expected shape. */
export class MetadataError extends SwimError {
  override name = 'SwimMetadataError';
}

/** Member metadata not signed by the member it names (bad signature, unknown or removed signer). */
export class ForgedError extends SwimError {
  override name = 'SwimForgedError';
}

/** A keyring given a key that is not 32 bytes, or asked to remove its primary key. */
export class KeyringError extends SwimError {
  override name = 'SwimKeyringError';
}

/** A stream request that got no answer in time, or whose peer refused it. */
export class StreamError extends SwimError {
  override name = 'SwimStreamError';
}

/** An operation on a node that is stopped or has left. */
export class NotRunningError extends SwimError {
  override name = 'SwimNotRunningError';
}
