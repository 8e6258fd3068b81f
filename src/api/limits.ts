/**
 * The local API's limits, so no client — a stuck one, a buggy script, a hostile process of
 * the same user — can hold the agent's memory or connections: how long a request may take
 * to arrive (headers, then the whole body), how long a connection may sit idle between
 * requests, how many connections may be open, how big one body may be and how many body
 * bytes all connections together may hold at once. Long answers (`logs -f`, `up --wait`)
 * are not limited: only receiving the request is.
 */
import type { Server } from 'node:http';

export interface ApiLimits {
  /** Until the request's headers are in, ms. */
  headersTimeoutMs: number;
  /** Until the whole request (headers and body) is in, ms. */
  requestTimeoutMs: number;
  /** Idle time between requests on a kept-alive connection, ms. */
  keepAliveTimeoutMs: number;
  /** How often the server checks the two timeouts above, ms. */
  checkIntervalMs: number;
  maxConnections: number;
  /** One request body, bytes. */
  maxBodyBytes: number;
  /** Body bytes held by all requests being read at once. */
  maxBufferedBytes: number;
}

export const DEFAULT_API_LIMITS: ApiLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  // Node's HTTP agent reuses a connection only when the server's keep-alive hint leaves it a
  // second of margin: at 1 s no connection was reused, and each request of `fizz --host`
  // paid for a new ssh session.
  keepAliveTimeoutMs: 5_000,
  checkIntervalMs: 1_000,
  maxConnections: 256,
  maxBodyBytes: 16 << 20,
  maxBufferedBytes: 64 << 20,
};

/** The options of `createServer` these limits set. */
export function serverOptions(l: ApiLimits) {
  return {
    headersTimeout: l.headersTimeoutMs,
    requestTimeout: l.requestTimeoutMs,
    keepAliveTimeout: l.keepAliveTimeoutMs,
    connectionsCheckingInterval: l.checkIntervalMs,
  };
}

export function applyLimits(server: Server, l: ApiLimits): void {
  server.maxConnections = l.maxConnections;
  server.headersTimeout = l.headersTimeoutMs;
  server.requestTimeout = l.requestTimeoutMs;
  server.keepAliveTimeout = l.keepAliveTimeoutMs;
}

/** The agent is reading too many request bodies at once (answered 503). */
export class ApiBusyError extends Error {
  override readonly name = 'ApiBusyError';
}

/** Body bytes held across all connections; `take` fails once the total would pass the cap. */
export class BodyBudget {
  private used = 0;
  constructor(private readonly cap: number) {}

  take(bytes: number): void {
    if (this.used + bytes > this.cap)
      throw new ApiBusyError('the agent is reading too many large requests at once; try again');
    this.used += bytes;
  }

  give(bytes: number): void {
    this.used -= bytes;
  }
}
