/**
 * The secrets part of the local API: `fizz secret create|ls|rm` and `fizz config
 * create|ls|rm`, under `/v1/objects/`. The value travels base64 in a JSON body over the
 * owner-only socket; the agent seals it before it enters the state.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AgentClient } from './client.js';
import { ApiDecodeError } from './errors.js';
import { sendJson } from './server.js';

export const OBJECT_ROUTES = {
  list: '/v1/objects/list',
  create: '/v1/objects/create',
  remove: '/v1/objects/remove',
} as const;

export type ObjectKind = 'secret' | 'config';

export interface ObjectInfo {
  name: string;
  version: string;
  size: number;
}

export interface ObjectHandlers {
  list(kind: ObjectKind): Promise<ObjectInfo[]>;
  create(kind: ObjectKind, name: string, value: Uint8Array): Promise<ObjectInfo>;
  remove(kind: ObjectKind, name: string): Promise<void>;
}

/** Refusals of a request (a bad name or value, a missing object): HTTP 409, not a fault. */
const REFUSALS = new Set([
  'SecretInputError',
  'SecretNotFoundError',
  'SecretDecryptError',
  'SecretStorageError',
]);

function body(v: unknown): { kind: ObjectKind; name: string; value?: string } {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new ApiDecodeError('objects: not an object');
  const o = v as Record<string, unknown>;
  if (o.kind !== 'secret' && o.kind !== 'config') throw new ApiDecodeError('objects.kind: secret or config');
  if (typeof o.name !== 'string' || o.name === '') throw new ApiDecodeError('objects.name: missing');
  if (o.value !== undefined && typeof o.value !== 'string')
    throw new ApiDecodeError('objects.value: not base64');
  return { kind: o.kind, name: o.name, ...(typeof o.value === 'string' ? { value: o.value } : {}) };
}

/** Serves an object route; false when `path` is none of them. */
export async function objectRoute(
  h: ObjectHandlers,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  readBody: (req: IncomingMessage) => Promise<unknown>,
): Promise<boolean> {
  if (!path.startsWith('/v1/objects/') || req.method !== 'POST') return false;
  if (!Object.values(OBJECT_ROUTES).includes(path as never)) return false;
  const b = body(await readBody(req));
  try {
    if (path === OBJECT_ROUTES.list) sendJson(res, 200, { items: await h.list(b.kind) });
    else if (path === OBJECT_ROUTES.create) {
      if (b.value === undefined) throw new ApiDecodeError('objects.value: missing');
      sendJson(res, 200, await h.create(b.kind, b.name, Buffer.from(b.value, 'base64')));
    } else {
      await h.remove(b.kind, b.name);
      sendJson(res, 200, {});
    }
  } catch (err) {
    if (!(err instanceof Error) || !REFUSALS.has(err.name)) throw err;
    sendJson(res, 409, { error: { name: err.name, message: err.message } });
  }
  return true;
}

// ---- the CLI's side ----

export async function listObjects(c: AgentClient, kind: ObjectKind): Promise<ObjectInfo[]> {
  const v = (await c.postJson(OBJECT_ROUTES.list, { kind, name: '*' })) as { items?: unknown };
  if (!Array.isArray(v?.items)) throw new ApiDecodeError('objects.items: not a list');
  return v.items as ObjectInfo[];
}

export async function createObject(
  c: AgentClient,
  kind: ObjectKind,
  name: string,
  value: Uint8Array,
): Promise<ObjectInfo> {
  return (await c.postJson(OBJECT_ROUTES.create, {
    kind,
    name,
    value: Buffer.from(value).toString('base64'),
  })) as ObjectInfo;
}

export async function removeObject(c: AgentClient, kind: ObjectKind, name: string): Promise<void> {
  await c.postJson(OBJECT_ROUTES.remove, { kind, name });
}
