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

/** The agent's socket exists but this user may not open it (EACCES/EPERM). */
export class AgentAccessError extends Error {
  override readonly name = 'AgentAccessError';
  constructor(
    readonly socket: string,
    options?: { cause?: unknown },
  ) {
    super(
      `permission denied on ${socket}: that agent belongs to another user; run fizz as that user, or set FIZZ_HOME to a directory of your own`,
      options,
    );
  }
}

/** The agent closed the connection before it had answered (it exited or crashed mid-command). */
export class AgentGoneError extends Error {
  override readonly name = 'AgentGoneError';
  constructor(
    readonly socket: string,
    options?: { cause?: unknown },
  ) {
    super(
      `the agent closed the connection before answering (it may have crashed; its log is agent.log beside ${socket}); run the command again, which starts a new agent`,
      options,
    );
  }
}
