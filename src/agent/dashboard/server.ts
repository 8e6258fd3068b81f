/**
 * The dashboard's HTTP server: the page, its stylesheet and script (all served from here, so
 * it works with no internet), the live stream (`/events`) and the snapshot as JSON
 * (`/snapshot.json`). Read-only: it offers nothing to change. Requests that fail the login
 * check (auth.ts) are answered 401 (or 403 for a foreign Host) and counted.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ApiLimits, applyLimits, DEFAULT_API_LIMITS, serverOptions } from '../../api/limits.js';
import type { Logger } from '../logger.js';
import { authorize, tokenCookie } from './auth.js';
import { type LiveOptions, LiveUpdates } from './live.js';
import { PAGE_CSS, PAGE_HTML, PAGE_JS } from './page.js';
import type { DashboardAddress } from './settings.js';

/** Its connections and how long a request may take to arrive; the streams themselves are not cut. */
export const DASHBOARD_LIMITS: ApiLimits = {
  ...DEFAULT_API_LIMITS,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 64,
};

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

const ASSETS: Record<string, { type: string; body: string }> = {
  '/': { type: 'text/html; charset=utf-8', body: PAGE_HTML },
  '/dashboard.css': { type: 'text/css; charset=utf-8', body: PAGE_CSS },
  '/dashboard.js': { type: 'text/javascript; charset=utf-8', body: PAGE_JS },
};

const DENIED_PAGE = `<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Fizz dashboard: login needed</title>
<p>This dashboard needs its login token. On the node, run <code>fizz dashboard</code> and open the address it prints.</p>
`;

/** Status, content type, body. */
type Reply = [number, string, string];

export interface DashboardServerOptions extends LiveOptions {
  logger: Logger;
  /** The login token; undefined when listening on loopback only. */
  token: string | undefined;
}

/** The dashboard cannot listen where it was asked to. */
export class DashboardListenError extends Error {
  override readonly name = 'DashboardListenError';
}

export class DashboardServer {
  private readonly updates: LiveUpdates;
  private server: Server | undefined;
  /** Requests refused by the login check since the start. */
  rejected = 0;

  constructor(private readonly o: DashboardServerOptions) {
    this.updates = new LiveUpdates(o);
  }

  get pages(): number {
    return this.updates.size;
  }

  /** Whether snapshots are being computed (only while a page is open). */
  get live(): boolean {
    return this.updates.running;
  }

  /** Listens; resolves with the address and port it took. */
  async listen(at: DashboardAddress): Promise<DashboardAddress> {
    const server = createServer(serverOptions(DASHBOARD_LIMITS), (req, res) => this.handle(req, res));
    applyLimits(server, DASHBOARD_LIMITS);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        const why =
          err.code === 'EADDRINUSE'
            ? 'the address is in use (by another program, or another agent on this machine)'
            : err.code === 'EADDRNOTAVAIL'
              ? 'no interface of this machine has that address'
              : err.message;
        reject(new DashboardListenError(`the dashboard cannot listen on ${at.host}:${at.port}: ${why}`));
      });
      server.listen(at.port, at.host, () => resolve());
    });
    this.server = server;
    const a = server.address() as AddressInfo;
    return { host: a.address, port: a.port };
  }

  async close(): Promise<void> {
    this.updates.close();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const reply = this.route(req, res);
    if (reply) this.send(res, ...reply, req.method === 'HEAD');
  }

  /** The answer to send, or undefined when the route answers by itself (a stream, a redirect). */
  private route(req: IncomingMessage, res: ServerResponse): Reply | undefined {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://dashboard');
    } catch {
      return [400, 'text/plain', 'bad request\n'];
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return [405, 'text/plain', 'the dashboard only shows: GET\n'];
    }
    const verdict = authorize(req, url, this.o.token);
    if (!verdict.ok) {
      this.rejected++;
      this.o.logger.debug(
        { path: url.pathname, why: verdict.why, rejected: this.rejected },
        'dashboard: refused',
      );
      return verdict.why === 'host'
        ? [403, 'text/plain', 'the dashboard answers only to a loopback host name\n']
        : [401, 'text/html; charset=utf-8', DENIED_PAGE];
    }
    if (verdict.setCookie && this.o.token !== undefined) {
      // The token leaves the address bar (and the history) at once; the cookie stands for it.
      res.setHeader('set-cookie', tokenCookie(this.o.token));
      url.searchParams.delete('token');
      res.writeHead(303, { location: `${url.pathname}${url.search}`, ...SECURITY_HEADERS });
      res.end();
      return undefined;
    }
    if (url.pathname === '/events' && req.method === 'GET') {
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
      return this.updates.add(res) ? undefined : [503, 'text/plain', 'too many open dashboards\n'];
    }
    if (url.pathname === '/snapshot.json' && req.method === 'GET') {
      void this.o.source.snapshot().then(
        (s) => this.send(res, 200, 'application/json', JSON.stringify(s)),
        (err: Error) => this.send(res, 500, 'text/plain', `${err.message}\n`),
      );
      return undefined;
    }
    const asset = ASSETS[url.pathname];
    return asset ? [200, asset.type, asset.body] : [404, 'text/plain', 'not found\n'];
  }

  private send(res: ServerResponse, status: number, type: string, body: string, headOnly = false): void {
    res.writeHead(status, {
      'content-type': type,
      'content-length': Buffer.byteLength(body),
      ...SECURITY_HEADERS,
    });
    res.end(headOnly ? undefined : body);
  }
}
