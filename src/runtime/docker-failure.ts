/**
 * The engine's refusals as the runtime's error classes (errors.ts): an unreachable socket,
 * a port in use, a missing image or container, a name in use; anything else an EngineError.
 */
import { isPortInUse, portFromMessage } from './engine.js';
import {
  ContainerNotFoundError,
  EngineError,
  EngineUnreachableError,
  ImageNotFoundError,
  NameConflictError,
  PortInUseError,
} from './errors.js';

/** What dockerode rejects with. */
export interface EngineFailure {
  statusCode?: number;
  code?: string;
  json?: { message?: string } | null;
  message?: string;
  reason?: string;
}

/** What the failed call was about, so a 404 or 409 can name the right thing. */
export interface FailureContext {
  /** The image being created from: a 404 "No such image" is an ImageNotFoundError. */
  image?: string;
  /** The container operated on: a 404 is a ContainerNotFoundError. */
  container?: string;
  /** The name being created: a 409 "already in use" is a NameConflictError. */
  name?: string;
}

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'EACCES',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);

function engineMessage(err: unknown): string {
  const e = err as EngineFailure;
  return e.json?.message ?? e.message ?? String(err);
}

/** The runtime's error for an engine failure of a call to the engine at `endpoint`. */
export function engineFailure(err: unknown, endpoint: string, ctx: FailureContext = {}): Error {
  const e = err as EngineFailure;
  if (e?.code && UNREACHABLE.has(e.code)) return new EngineUnreachableError(endpoint, { cause: err });
  const msg = engineMessage(err);
  if (isPortInUse(msg)) return new PortInUseError(portFromMessage(msg), ctx.container ?? '?', { cause: err });
  if (e?.statusCode === 404 && ctx.image && /no such image/i.test(msg))
    return new ImageNotFoundError(ctx.image, { cause: err });
  // A 404 while starting may be about the container's network, not the container.
  if (e?.statusCode === 404 && ctx.container && /no such container/i.test(msg))
    return new ContainerNotFoundError(ctx.container, { cause: err });
  if (e?.statusCode === 409 && ctx.name && /already in use/.test(msg))
    return new NameConflictError(ctx.name, { cause: err });
  return new EngineError(e?.statusCode, msg, { cause: err });
}
