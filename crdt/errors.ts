/** One error class per failure, each with a stable `name`. */

/** Bytes handed to `applyUpdate` or `merge` are not a Yjs update. */
export class UpdateDecodeError extends Error {
  override readonly name = 'UpdateDecodeError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A stored state file does not start with the expected header or version. */
export class StoreFormatError extends Error {
  override readonly name = 'StoreFormatError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The store was used after close(). */
export class StoreClosedError extends Error {
  override readonly name = 'StoreClosedError';
  constructor() {
    super('the state store is closed');
  }
}

/** Another live process has the state directory open. */
export class StoreLockedError extends Error {
  override readonly name = 'StoreLockedError';
  constructor(message: string) {
    super(message);
  }
}

/** A `change` listener threw; every other listener still got the change, and the update
 * that caused it was applied (and is not a decoding problem). */
export class ListenerError extends Error {
  override readonly name = 'ListenerError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A local write would carry a stamp past MAX_AT or more than MAX_AHEAD_MS ahead of the
 * clock (lww.ts): the clock is wrong, or the replica wrote faster than it for a day. Nothing
 * was written. */
export class StampRangeError extends Error {
  override readonly name = 'StampRangeError';
  constructor(message: string) {
    super(message);
  }
}
