/**
 * The dashboard part of the local API: `fizz dashboard` turns the agent's dashboard on (at
 * an address, or where it was), off, or gives it a new login token, and gets its address
 * back. One route, `POST /v1/dashboard`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AgentClient } from './client.js';
import { ApiDecodeError } from './errors.js';
import { sendJson } from './server.js';

export const DASHBOARD_ROUTE = '/v1/dashboard';

export interface DashboardRequest {
  /** Listen here (`HOST:PORT`, `HOST` or `PORT`); absent: where it listens, or where it last did. */
  address?: string;
  /** Turn it off (and keep it off across restarts). */
  off?: boolean;
  /** A new login token: every browser logged in with the old one must log in again. */
  rotateToken?: boolean;
  /** Only say where it listens, change nothing. */
  status?: boolean;
}

export interface DashboardInfo {
  enabled: boolean;
  /** Where it listens (`HOST:PORT`). */
  address?: string;
  /** The address to open; with `?token=` when a token is needed. */
  url?: string;
  tokenRequired?: boolean;
}

export interface DashboardHandlers {
  dashboard(req: DashboardRequest): Promise<DashboardInfo>;
}

/** Refusals the agent answers 400 (a bad address) or 409 (it cannot listen there). */
const STATUS: Record<string, number> = { DashboardAddressError: 400, DashboardListenError: 409 };

export function decodeDashboardRequest(v: unknown): DashboardRequest {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new ApiDecodeError('dashboard: not an object');
  const o = v as Record<string, unknown>;
  const out: DashboardRequest = {};
  if (o.address !== undefined) {
    if (typeof o.address !== 'string') throw new ApiDecodeError('dashboard.address: not a string');
    out.address = o.address;
  }
  for (const k of ['off', 'rotateToken', 'status'] as const) {
    if (o[k] === undefined) continue;
    if (typeof o[k] !== 'boolean') throw new ApiDecodeError(`dashboard.${k}: not a boolean`);
    out[k] = o[k];
  }
  return out;
}

/** Serves the dashboard route; false when `path` is not it. */
export async function dashboardRoute(
  h: DashboardHandlers,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  readBody: (req: IncomingMessage) => Promise<unknown>,
): Promise<boolean> {
  if (req.method !== 'POST' || path !== DASHBOARD_ROUTE) return false;
  const body = decodeDashboardRequest(await readBody(req));
  try {
    sendJson(res, 200, await h.dashboard(body));
  } catch (err) {
    const e = err as Error;
    const status = STATUS[e.name];
    if (status === undefined) throw err;
    sendJson(res, status, { error: { name: e.name, message: e.message } });
  }
  return true;
}

// ---- the CLI's side ----

export async function dashboardRequest(c: AgentClient, req: DashboardRequest): Promise<DashboardInfo> {
  const v = (await c.postJson(DASHBOARD_ROUTE, req)) as DashboardInfo;
  if (typeof v !== 'object' || v === null || typeof v.enabled !== 'boolean')
    throw new ApiDecodeError('dashboard: not an answer');
  return v;
}
