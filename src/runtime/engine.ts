/** Pure helpers for the Docker Engine's protocol: where it listens, what its messages and events say. */
import type { RuntimeEvent } from './types.js';

export interface EndpointOptions {
  /** Unix socket path of the engine; wins over DOCKER_HOST. */
  socket?: string;
  /** The environment to read DOCKER_HOST from (default: process.env). */
  env?: Record<string, string | undefined>;
}

/** Where the engine is: the explicit socket, then DOCKER_HOST (`unix://` or `tcp://`), then /var/run/docker.sock. */
export function engineEndpoint(
  opts: EndpointOptions = {},
): { socketPath: string } | { host: string; port: number } {
  if (opts.socket) return { socketPath: opts.socket };
  const dh = (opts.env ?? process.env).DOCKER_HOST;
  if (dh?.startsWith('unix://')) return { socketPath: dh.slice(7) || '/var/run/docker.sock' };
  if (dh?.startsWith('tcp://')) {
    const u = new URL(`http://${dh.slice(6)}`);
    return { host: u.hostname, port: Number(u.port || 2375) };
  }
  if (dh?.startsWith('/')) return { socketPath: dh };
  return { socketPath: '/var/run/docker.sock' };
}

/** The host port named in the engine's "port is already allocated"/"address already in use" message. */
export function portFromMessage(message: string): number | undefined {
  const m = /:(\d+)(?: failed|: bind)/.exec(message) ?? /port (\d+)/.exec(message);
  return m ? Number(m[1]) : undefined;
}

export function isPortInUse(message: string): boolean {
  return /port is already allocated|address already in use/i.test(message);
}

/** One line of the engine's event stream; undefined for lines that are not container events. */
export function parseEvent(line: string): RuntimeEvent | undefined {
  if (!line.trim()) return undefined;
  let ev: {
    Type?: string;
    Action?: string;
    id?: string;
    Actor?: { ID?: string; Attributes?: Record<string, string> };
  };
  try {
    ev = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof ev !== 'object' || ev === null || (ev.Type && ev.Type !== 'container')) return undefined;
  const containerId = ev.Actor?.ID ?? ev.id;
  if (typeof containerId !== 'string' || typeof ev.Action !== 'string') return undefined;
  const attrs = ev.Actor?.Attributes ?? {};
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(attrs)) if (typeof v === 'string') labels[k] = v;
  return { containerId, action: ev.Action, labels };
}
