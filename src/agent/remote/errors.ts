/** One error class per failure of the node-to-node API (`/fizz/api/1`), each with a stable `name`. */

/** A frame that does not decode: unknown version or type, wrong size, bad JSON, cut short. */
export class RemoteFrameError extends Error {
  override readonly name = 'RemoteFrameError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Which limit stopped a stream. */
export type RemoteLimitKind = 'frame-bytes' | 'request-time' | 'idle';

/** A stream over one of the protocol's limits (frame size, time to the request, silence). */
export class RemoteLimitError extends Error {
  override readonly name = 'RemoteLimitError';
  constructor(
    readonly limit: RemoteLimitKind,
    message: string,
  ) {
    super(message);
  }
}

/** A request frame whose operation or body is not one this protocol serves. */
export class RemoteRequestError extends Error {
  override readonly name = 'RemoteRequestError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Another node could not be asked, or failed to answer: dead, unreachable, timed out, or it
 * answered with an error (`remoteName` is then the name of the error it sent).
 */
export class RemoteNodeError extends Error {
  override readonly name = 'RemoteNodeError';
  constructor(
    readonly node: string,
    message: string,
    readonly remoteName?: string,
    options?: { cause?: unknown },
  ) {
    super(`node ${node}: ${message}`, options);
  }
}
