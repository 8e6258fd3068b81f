/** Failures of the local API, one class per failure, told apart by `name`. */

/** No agent answers on the socket (not running, or the socket is stale). */
export class AgentUnreachableError extends Error {
  override readonly name = 'AgentUnreachableError';
  constructor(
    readonly socket: string,
    options?: { cause?: unknown },
  ) {
    super(`no Fizz agent answers on ${socket}`, options);
  }
}

/** The agent answered with an error; `remoteName` is the agent-side error's name. */
export class AgentApiError extends Error {
  override readonly name = 'AgentApiError';
  constructor(
    readonly status: number,
    readonly remoteName: string,
    message: string,
  ) {
    super(message);
  }
}

/** A message on the API that does not decode (wrong version, not JSON, wrong shape). */
export class ApiDecodeError extends Error {
  override readonly name = 'ApiDecodeError';
}

/** The agent started in the background did not open its socket in time. */
export class AgentStartError extends Error {
  override readonly name = 'AgentStartError';
}
