/**
 * The opt-in HTTP listener of the metrics: GET /metrics answers the registry's text format;
 * anything else is 404 (405 for another method). Nothing else is served on this address.
 */
import { createServer, type Server } from 'node:http';
import { isIP } from 'node:net';
import { CONTENT_TYPE, type Registry } from './exposition.js';

/** `--metrics` / FIZZ_METRICS that is not `host:port`, or an address the agent cannot listen on. */
export class MetricsAddressError extends Error {
  override readonly name = 'MetricsAddressError';
}

export interface MetricsAddress {
  host: string;
  port: number;
}

/** `127.0.0.1:9323`, `[::1]:9323`, `0.0.0.0:9323`; a port alone is refused (say which address). */
export function parseMetricsAddress(text: string): MetricsAddress {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (!m || !host || !(port >= 1 && port <= 65535) || isIP(host) === 0)
    throw new MetricsAddressError(
      `metrics address "${text}": expected IP:PORT (e.g. 127.0.0.1:9323 or [::1]:9323)`,
    );
  return { host, port };
}

/** Listens on `address`; resolves once it does, rejects with MetricsAddressError if it cannot. */
export async function serveMetrics(address: MetricsAddress, registry: Registry): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found; the metrics are at /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    let body: string;
    try {
      body = registry.render();
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(err as Error).message}\n`);
      return;
    }
    res.writeHead(200, { 'content-type': CONTENT_TYPE, 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new MetricsAddressError(
          `cannot serve metrics on ${address.host}:${address.port}: ${err.code ?? err.message}`,
        ),
      ),
    );
    server.listen(address.port, address.host, () => resolve());
  });
  return server;
}

export function closeMetrics(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
