/**
 * The day-two part of the local API: `fizz rollback`, `fizz history` and `fizz events`,
 * under `/v1/ops/`. Rollback streams progress like `up`; history answers JSON; events
 * stream NDJSON, one event a line, until the client goes away (or, with `until`, the end).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AgentClient } from './client.js';
import { ApiDecodeError } from './errors.js';
import { encodeLine } from './ndjson.js';
import type { DoneEvent, OpEvent } from './protocol.js';
import { type Emit, sendJson, streamOp } from './server.js';

export const OPS_ROUTES = {
  rollback: '/v1/ops/rollback',
  history: '/v1/ops/history',
  events: '/v1/ops/events',
} as const;

export interface RollbackRequest {
  project: string;
  /** Empty: every service with an earlier revision. */
  services: string[];
}

export interface HistoryEntry {
  rev: number;
  at: number;
  node: string;
  nodeName?: string;
  command: string;
  changes: string[];
  image?: string;
  current: boolean;
}

export interface HistoryResponse {
  project: string;
  service: string;
  revisions: HistoryEntry[];
  /** The last rolling update as this node sees it. */
  rollout?: {
    kind: 'update' | 'rollback';
    fromRev: number;
    toRev: number;
    phase: string;
    reason?: string;
    ready: number;
    replicas: number;
  };
}

/** One cluster event (src/agent/events.ts). */
export interface ClusterEvent {
  /** ms since the epoch, on the node that saw it. */
  time: number;
  /** `member`, `replica`, `container`, `image`, `spec`, `update`. */
  type: string;
  /** What happened: `joined`, `suspect`, `dead`, `left`, `placed`, `started`, … */
  action: string;
  /** The node it happened on (name when known), and the node that reported it. */
  node: string;
  reporter: string;
  project?: string;
  service?: string;
  replica?: number;
  detail?: string;
}

export interface EventsQuery {
  since?: number;
  until?: number;
  /** Only events whose field equals one of the values (`type`, `service`, `node`, `project`, `action`). */
  filters: Record<string, string[]>;
  /** Keep the stream open for new events (no `until`). */
  follow: boolean;
}

export interface OpsHandlers {
  rollback(req: RollbackRequest, emit: Emit, signal: AbortSignal): Promise<DoneEvent>;
  history(project: string, service: string): Promise<HistoryResponse>;
  events(query: EventsQuery, emit: (e: ClusterEvent) => void, signal: AbortSignal): Promise<void>;
}

const FILTER_KEYS = new Set(['type', 'service', 'node', 'project', 'action']);

export function decodeRollbackRequest(v: unknown): RollbackRequest {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new ApiDecodeError('rollback: not an object');
  const o = v as Record<string, unknown>;
  if (typeof o.project !== 'string' || o.project === '')
    throw new ApiDecodeError('rollback.project: missing');
  const services = o.services ?? [];
  if (!Array.isArray(services) || !services.every((s) => typeof s === 'string' && s !== ''))
    throw new ApiDecodeError('rollback.services: not a list of service names');
  return { project: o.project, services: services as string[] };
}

function timeParam(url: URL, key: string): number | undefined {
  const v = url.searchParams.get(key);
  if (v === null) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new ApiDecodeError(`events.${key}: not a time in ms`);
  return n;
}

export function decodeEventsQuery(url: URL): EventsQuery {
  const filters: Record<string, string[]> = {};
  for (const f of url.searchParams.getAll('filter')) {
    const eq = f.indexOf('=');
    const key = f.slice(0, eq);
    if (eq <= 0 || !FILTER_KEYS.has(key) || eq === f.length - 1)
      throw new ApiDecodeError(
        `events.filter: "${f}" is not KEY=VALUE with KEY one of ${[...FILTER_KEYS].join(', ')}`,
      );
    filters[key] = [...(filters[key] ?? []), f.slice(eq + 1)];
  }
  const q: EventsQuery = { filters, follow: url.searchParams.get('follow') === '1' };
  const since = timeParam(url, 'since');
  const until = timeParam(url, 'until');
  if (since !== undefined) q.since = since;
  if (until !== undefined) q.until = until;
  return q;
}

/** Serves an ops route; false when `path` is none of them. */
export async function opsRoute(
  h: OpsHandlers,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  signal: AbortSignal,
  readBody: (req: IncomingMessage) => Promise<unknown>,
): Promise<boolean> {
  const path = url.pathname;
  if (!path.startsWith('/v1/ops/')) return false;
  if (req.method === 'POST' && path === OPS_ROUTES.rollback) {
    const body = decodeRollbackRequest(await readBody(req));
    await streamOp(res, signal, (e, s) => h.rollback(body, e, s));
  } else if (req.method === 'GET' && path === OPS_ROUTES.history) {
    const project = url.searchParams.get('project');
    const service = url.searchParams.get('service');
    if (!project || !service) throw new ApiDecodeError('history: project and service are needed');
    sendJson(res, 200, await h.history(project, service));
  } else if (req.method === 'GET' && path === OPS_ROUTES.events) {
    const query = decodeEventsQuery(url);
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    await h.events(query, (e) => !res.writableEnded && res.write(encodeLine(e)), signal);
    res.end();
  } else return false;
  return true;
}

// ---- the CLI's side ----

export function opsRollback(c: AgentClient, req: RollbackRequest): AsyncGenerator<OpEvent> {
  return c.operation(OPS_ROUTES.rollback, req);
}

export async function opsHistory(c: AgentClient, project: string, service: string): Promise<HistoryResponse> {
  const q = new URLSearchParams({ project, service });
  const v = (await c.getJson(`${OPS_ROUTES.history}?${q}`)) as HistoryResponse;
  if (!v || !Array.isArray(v.revisions)) throw new ApiDecodeError('history.revisions: not a list');
  return v;
}
