/** The runtime's failures, one class each, told apart by a stable `name`. */

/** The Docker Engine does not answer on its socket. The message says how to start one. */
export class EngineUnreachableError extends Error {
  override readonly name = 'EngineUnreachableError';
  constructor(
    readonly endpoint: string,
    options?: { cause?: unknown },
  ) {
    const why = codeOf(options?.cause);
    const hint =
      why === 'EACCES'
        ? 'Permission denied: run as root or as a member of the docker group.'
        : 'Start it with `sudo systemctl start docker` (or `sudo dockerd &`), or run `make docker` in the Fizz repository.';
    super(`Docker Engine is not reachable at ${endpoint}${why ? ` (${why})` : ''}. ${hint}`, options);
  }
}

/** The image is not on this machine (create does not pull: the agent pulls or builds before it creates). */
export class ImageNotFoundError extends Error {
  override readonly name = 'ImageNotFoundError';
  constructor(
    readonly image: string,
    options?: { cause?: unknown },
  ) {
    super(
      `image ${image} is not present on this machine; pull or build it first (fizz pull, fizz build)`,
      options,
    );
  }
}

/** A published host port is taken by another container or process. */
export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
  constructor(
    /** The host port, when the engine's message names it. */
    readonly port: number | undefined,
    readonly container: string,
    options?: { cause?: unknown },
  ) {
    super(
      `port ${port ?? '(unknown)'} is already in use on this machine; container ${container} cannot publish it`,
      options,
    );
  }
}

/** No container with that id or name. */
export class ContainerNotFoundError extends Error {
  override readonly name = 'ContainerNotFoundError';
  constructor(
    readonly container: string,
    options?: { cause?: unknown },
  ) {
    super(`no such container: ${container}`, options);
  }
}

/** A container name is taken by another container. */
export class NameConflictError extends Error {
  override readonly name = 'NameConflictError';
  constructor(
    readonly containerName: string,
    options?: { cause?: unknown },
  ) {
    super(`the container name ${containerName} is already in use by another container`, options);
  }
}

/** Any other refusal by the engine, with its status code and message. */
export class EngineError extends Error {
  override readonly name = 'EngineError';
  constructor(
    readonly statusCode: number | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
