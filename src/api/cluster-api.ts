/**
 * The cluster part of the local API: `fizz init`, `join`, `token`, `nodes`, `label` and
 * `leave`, under `/v1/cluster/`. Requests and answers are JSON; `leave` streams progress.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AgentClient } from './client.js';
import { ApiDecodeError } from './errors.js';
import type { DoneEvent, OpEvent } from './protocol.js';
import { type Emit, sendJson, streamOp } from './server.js';

export const CLUSTER_ROUTES = {
  init: '/v1/cluster/init',
  join: '/v1/cluster/join',
  token: '/v1/cluster/token',
  revoke: '/v1/cluster/token/revoke',
  nodeRm: '/v1/cluster/node/rm',
  keyRotate: '/v1/cluster/key/rotate',
  nodes: '/v1/cluster/nodes',
  label: '/v1/cluster/label',
  leave: '/v1/cluster/leave',
} as const;

/** Agent-side errors that are a refusal of the request (HTTP 409), not a fault. */
export const CLUSTER_REFUSALS = new Set([
  'ClusterJoinError',
  'JoinTokenError',
  'ClusterConfigError',
  'KeyRotationError',
]);

export type TieRule = 'availability' | 'safety';

export interface InitRequest {
  /** `ip[:port]` to listen on and advertise. */
  address?: string;
  name?: string;
  tie?: TieRule;
  labels?: Record<string, string>;
}

export interface JoinRequest {
  peer?: string;
  token: string;
  address?: string;
  name?: string;
  labels?: Record<string, string>;
}

export interface JoinResponse {
  name: string;
  address: string;
  token: string;
  tie: TieRule;
  members: number;
}

export interface NodeInfo {
  id: string;
  name: string;
  address: string;
  state: 'alive' | 'suspect' | 'dead' | 'left';
  labels: Record<string, string>;
  capacity: number;
  /** Replicas the node reports running. */
  replicas: number;
  version: string;
  self: boolean;
  /** The member's SWIM incarnation as this node holds it. */
  incarnation?: number;
  /** This node only: SWIM messages it dropped, by reason (`forged`, `stale`, `auth`, …). */
  dropped?: Record<string, number>;
}

export interface NodesResponse {
  clustered: boolean;
  /** Whether this node's side sees a majority of the cluster's stable view. */
  majority: boolean;
  nodes: NodeInfo[];
}

export interface LabelRequest {
  node: string;
  set: Record<string, string>;
  unset: string[];
}

export interface ClusterHandlers {
  init(req: InitRequest): Promise<JoinResponse>;
  join(req: JoinRequest): Promise<JoinResponse>;
  /** A new join token, valid for `ttlMs` (default 24 h); `withAddresses` false: it names no member. */
  token(ttlMs?: number, withAddresses?: boolean): Promise<{ token: string; expires: number }>;
  /** Revokes one token, or every one; how many were live. */
  revoke(token?: string): Promise<{ revoked: number }>;
  /** Removes a node for good (`fizz node rm`). */
  removeNode(node: string): Promise<{ id: string }>;
  /** Rolls a new cluster key through every live member (`fizz key rotate`). */
  rotateKey(): Promise<{ id: string; members: number }>;
  nodes(): Promise<NodesResponse>;
  label(req: LabelRequest): Promise<{ labels: Record<string, string> }>;
  leave(emit: Emit, signal: AbortSignal): Promise<DoneEvent>;
}

type Obj = Record<string, unknown>;

function obj(v: unknown, what: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new ApiDecodeError(`${what}: not an object`);
  return v as Obj;
}

function optString(o: Obj, key: string, what: string): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new ApiDecodeError(`${what}.${key}: not a string`);
  return v;
}

function stringMap(o: Obj, key: string, what: string): Record<string, string> | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  const m = obj(v, `${what}.${key}`);
  for (const x of Object.values(m))
    if (typeof x !== 'string') throw new ApiDecodeError(`${what}.${key}: values must be strings`);
  return { ...(m as Record<string, string>) };
}

function withDefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

export function decodeInitRequest(v: unknown): InitRequest {
  const o = obj(v, 'init');
  const tie = optString(o, 'tie', 'init');
  if (tie !== undefined && tie !== 'availability' && tie !== 'safety')
    throw new ApiDecodeError('init.tie: availability or safety');
  return withDefined({
    address: optString(o, 'address', 'init'),
    name: optString(o, 'name', 'init'),
    tie: tie as TieRule | undefined,
    labels: stringMap(o, 'labels', 'init'),
  });
}

export function decodeJoinRequest(v: unknown): JoinRequest {
  const o = obj(v, 'join');
  const token = optString(o, 'token', 'join');
  if (!token) throw new ApiDecodeError('join.token: missing');
  return withDefined({
    token,
    peer: optString(o, 'peer', 'join'),
    address: optString(o, 'address', 'join'),
    name: optString(o, 'name', 'join'),
    labels: stringMap(o, 'labels', 'join'),
  });
}

export function decodeLabelRequest(v: unknown): LabelRequest {
  const o = obj(v, 'label');
  const node = optString(o, 'node', 'label');
  if (!node) throw new ApiDecodeError('label.node: missing');
  const unset = o.unset;
  if (!Array.isArray(unset) || !unset.every((s) => typeof s === 'string'))
    throw new ApiDecodeError('label.unset: not a list of strings');
  return { node, set: stringMap(o, 'set', 'label') ?? {}, unset };
}

/** Serves a cluster route; false when `path` is none of them. */
export async function clusterRoute(
  h: ClusterHandlers,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  signal: AbortSignal,
  readBody: (req: IncomingMessage) => Promise<unknown>,
): Promise<boolean> {
  if (!path.startsWith('/v1/cluster/')) return false;
  if (req.method === 'GET' && path === CLUSTER_ROUTES.nodes) sendJson(res, 200, await h.nodes());
  else if (req.method === 'POST' && path === CLUSTER_ROUTES.token) {
    const o = obj(await readBody(req), 'token');
    const ttl = o.ttlMs;
    if (ttl !== undefined && (typeof ttl !== 'number' || !Number.isFinite(ttl)))
      throw new ApiDecodeError('token.ttlMs: not a number');
    if (o.addresses !== undefined && typeof o.addresses !== 'boolean')
      throw new ApiDecodeError('token.addresses: not a boolean');
    sendJson(res, 200, await h.token(ttl as number | undefined, o.addresses !== false));
  } else if (req.method === 'POST' && path === CLUSTER_ROUTES.revoke) {
    const o = obj(await readBody(req), 'revoke');
    sendJson(res, 200, await h.revoke(optString(o, 'token', 'revoke')));
  } else if (req.method === 'POST' && path === CLUSTER_ROUTES.nodeRm) {
    const node = optString(obj(await readBody(req), 'node'), 'node', 'node');
    if (!node) throw new ApiDecodeError('node.node: missing');
    sendJson(res, 200, await h.removeNode(node));
  } else if (req.method === 'POST' && path === CLUSTER_ROUTES.keyRotate) {
    await readBody(req);
    sendJson(res, 200, await h.rotateKey());
  } else if (req.method === 'POST' && path === CLUSTER_ROUTES.init)
    sendJson(res, 200, await h.init(decodeInitRequest(await readBody(req))));
  else if (req.method === 'POST' && path === CLUSTER_ROUTES.join)
    sendJson(res, 200, await h.join(decodeJoinRequest(await readBody(req))));
  else if (req.method === 'POST' && path === CLUSTER_ROUTES.label)
    sendJson(res, 200, await h.label(decodeLabelRequest(await readBody(req))));
  else if (req.method === 'POST' && path === CLUSTER_ROUTES.leave)
    await streamOp(res, signal, (e, s) => h.leave(e, s));
  else return false;
  return true;
}

// ---- the CLI's side ----

export async function clusterInit(c: AgentClient, req: InitRequest): Promise<JoinResponse> {
  return (await c.postJson(CLUSTER_ROUTES.init, req)) as JoinResponse;
}

export async function clusterJoin(c: AgentClient, req: JoinRequest): Promise<JoinResponse> {
  return (await c.postJson(CLUSTER_ROUTES.join, req)) as JoinResponse;
}

export async function clusterToken(
  c: AgentClient,
  ttlMs?: number,
  withAddresses = true,
): Promise<{ token: string; expires: number }> {
  const body = { ...(ttlMs === undefined ? {} : { ttlMs }), ...(withAddresses ? {} : { addresses: false }) };
  const v = obj(await c.postJson(CLUSTER_ROUTES.token, body), 'token');
  if (typeof v.token !== 'string' || typeof v.expires !== 'number')
    throw new ApiDecodeError('token: not a token');
  return { token: v.token, expires: v.expires };
}

export async function clusterRevoke(c: AgentClient, token?: string): Promise<number> {
  const v = obj(await c.postJson(CLUSTER_ROUTES.revoke, token === undefined ? {} : { token }), 'revoke');
  return typeof v.revoked === 'number' ? v.revoked : 0;
}

export async function clusterNodeRm(c: AgentClient, node: string): Promise<string> {
  const v = obj(await c.postJson(CLUSTER_ROUTES.nodeRm, { node }), 'node');
  return String(v.id ?? '');
}

export async function clusterKeyRotate(c: AgentClient): Promise<{ id: string; members: number }> {
  const v = obj(await c.postJson(CLUSTER_ROUTES.keyRotate, {}), 'rotate');
  return { id: String(v.id ?? ''), members: typeof v.members === 'number' ? v.members : 0 };
}

export async function clusterNodes(c: AgentClient): Promise<NodesResponse> {
  const v = obj(await c.getJson(CLUSTER_ROUTES.nodes), 'nodes');
  if (!Array.isArray(v.nodes)) throw new ApiDecodeError('nodes.nodes: not a list');
  return v as unknown as NodesResponse;
}

export async function clusterLabel(c: AgentClient, req: LabelRequest): Promise<Record<string, string>> {
  const v = obj(await c.postJson(CLUSTER_ROUTES.label, req), 'label');
  return (v.labels ?? {}) as Record<string, string>;
}

export function clusterLeave(c: AgentClient): AsyncGenerator<OpEvent> {
  return c.operation(CLUSTER_ROUTES.leave, {});
}
