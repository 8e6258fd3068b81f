/**
 * Why pulling or building an image failed, one class each, told apart by a stable `name`.
 * Messages name the image and the registry and say what to do; the agent puts the
 * service's name in front.
 */
import { loginCommand } from './image-ref.js';

/** The docker CLI's config file (credentials) exists but cannot be read. */
export class RegistryConfigError extends Error {
  override readonly name = 'RegistryConfigError';
  constructor(
    readonly file: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`the docker config file ${file} cannot be read (${detail}); fix or remove it`, options);
  }
}

/** Nothing answers at the registry's address (down, wrong port, no route). */
export class RegistryUnreachableError extends Error {
  override readonly name = 'RegistryUnreachableError';
  constructor(
    readonly image: string,
    readonly registry: string,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`pulling ${image}: registry ${registry} cannot be reached (${detail})`, options);
  }
}

/** The registry answers but has no such repository or tag. */
export class ImageNotInRegistryError extends Error {
  override readonly name = 'ImageNotInRegistryError';
  constructor(
    readonly image: string,
    readonly registry: string,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(
      `pulling ${image}: registry ${registry} has no such image or tag (${detail}); check the name and tag`,
      options,
    );
  }
}

/** The registry wants credentials, or refused the ones it was given (HTTP 401/403). */
export class RegistryAuthError extends Error {
  override readonly name = 'RegistryAuthError';
  constructor(
    readonly image: string,
    readonly registry: string,
    /** Where the refused credentials came from; undefined when there were none. */
    readonly credentialsFrom: string | undefined,
    readonly configFile: string,
    options?: { cause?: unknown },
  ) {
    super(
      credentialsFrom === undefined
        ? `pulling ${image}: registry ${registry} refused access: it wants credentials and ${configFile} has none for it; log in with \`${loginCommand(registry)}\``
        : `pulling ${image}: registry ${registry} refused the credentials from ${credentialsFrom}; log in again with \`${loginCommand(registry)}\``,
      options,
    );
  }
}

/** Any other pull failure, with the engine's words. */
export class PullFailedError extends Error {
  override readonly name = 'PullFailedError';
  constructor(
    readonly image: string,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`pulling ${image} failed: ${detail}`, options);
  }
}

/** The build context cannot be used: missing, not a directory, or remote (offline). */
export class BuildContextError extends Error {
  override readonly name = 'BuildContextError';
  constructor(
    readonly context: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`build context ${context}: ${reason}`, options);
  }
}

/** Where in the Dockerfile a build stopped. */
export interface BuildStep {
  /** 1-based, as the builder counts its steps. */
  index: number;
  total: number;
  /** The instruction as the builder printed it: `RUN exit 3`. */
  instruction: string;
  /** The Dockerfile's path as the user knows it, and the 1-based line of the step, when found. */
  file?: string;
  line?: number;
}

/** The builder stopped with an error: which step, which line, and the builder's message. */
export class BuildFailedError extends Error {
  override readonly name = 'BuildFailedError';
  constructor(
    readonly image: string,
    readonly detail: string,
    readonly step: BuildStep | undefined,
    options?: { cause?: unknown },
  ) {
    const where = step
      ? ` at step ${step.index}/${step.total} (${step.file ?? 'Dockerfile'}${step.line === undefined ? '' : ` line ${step.line}`}: ${step.instruction})`
      : '';
    super(`building ${image} failed${where}: ${detail}`, options);
  }
}
