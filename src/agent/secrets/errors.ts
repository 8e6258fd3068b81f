/** The failures of secrets and configs, one class each, told apart by `name`. */

/** A secret or config a service or project names does not exist (or cannot be read). */
export class SecretNotFoundError extends Error {
  override readonly name = 'SecretNotFoundError';
}

/** A secret's or config's definition or value is not usable (bad name, too big, a file that
 * cannot be read, a mode or owner that cannot be set). */
export class SecretInputError extends Error {
  override readonly name = 'SecretInputError';
}

/** A ciphertext this node cannot open: not sealed to this cluster's identity, or damaged. */
export class SecretDecryptError extends Error {
  override readonly name = 'SecretDecryptError';
}

/** No memory-backed (tmpfs) directory to put decrypted files in: they would land on disk. */
export class SecretStorageError extends Error {
  override readonly name = 'SecretStorageError';
}
