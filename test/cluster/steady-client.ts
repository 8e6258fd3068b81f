/**
 * A steady HTTP client of a service's published ports on the harness hosts, balancing as a
 * load balancer with a Docker provider does (Traefik's, say): its endpoints are the
 * service's running and healthy containers on every host's engine, each at the host's
 * address and the container's published port; an endpoint leaves the rotation when its
 * engine reports the container being stopped (the `kill` event), so the container's own
 * stop grace period drains it. A request that fails, or finds no endpoint, is counted.
 */
import { request } from 'node:http';
import Docker from 'dockerode';
import type { Cluster } from './harness.js';

interface Endpoint {
  id: string;
  host: string;
  address: string;
  port: number;
}

export interface ClientCounts {
  ok: number;
  failed: number;
  /** Bodies seen, with how many times each. */
  bodies: Map<string, number>;
  /** The first few failures, for the assertion message. */
  errors: string[];
}

/** One GET of `/`: the trimmed body of a 200, else an error. */
export function get(address: string, port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: address, port, path: '/', timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => {
        body += c;
      });
      res.on('end', () =>
        res.statusCode === 200 ? resolve(body.trim()) : reject(new Error(`HTTP ${res.statusCode}`)),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

export class SteadyClient {
  private endpoints: Endpoint[] = [];
  private readonly leaving = new Set<string>();
  private readonly abort = new AbortController();
  private readonly loops: Promise<void>[] = [];
  readonly counts: ClientCounts = { ok: 0, failed: 0, bodies: new Map(), errors: [] };
  private next = 0;

  constructor(
    private readonly cluster: Cluster,
    private readonly project: string,
    private readonly intervalMs = 20,
  ) {}

  /** Starts discovering; resolves once at least `min` endpoints answer discovery. */
  async start(min: number): Promise<void> {
    const dockers = this.cluster
      .hosts()
      .map((h) => ({ h, docker: new Docker({ socketPath: h.engineSocket, version: 'v1.41' }) }));
    for (const { docker } of dockers) this.loops.push(this.watchKills(docker));
    this.loops.push(this.discover(dockers));
    const deadline = Date.now() + 60_000;
    while (this.endpoints.length < min) {
      if (Date.now() > deadline) throw new Error(`fewer than ${min} endpoints after 60 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Sends requests back to back until `stop()`; resolves when the loop ends. */
  run(): Promise<void> {
    const loop = (async () => {
      while (!this.abort.signal.aborted) {
        const live = this.endpoints.filter((e) => !this.leaving.has(e.id));
        const e = live[this.next++ % Math.max(1, live.length)];
        if (!e) this.fail('no endpoint in rotation');
        else {
          try {
            const body = await get(e.address, e.port, 2000);
            this.counts.ok++;
            this.counts.bodies.set(body, (this.counts.bodies.get(body) ?? 0) + 1);
          } catch (err) {
            this.fail(`${e.host}:${e.port} (${e.id.slice(0, 12)}): ${(err as Error).message}`);
          }
        }
        await new Promise((r) => setTimeout(r, this.intervalMs));
      }
    })();
    this.loops.push(loop);
    return loop;
  }

  async stop(): Promise<ClientCounts> {
    this.abort.abort();
    await Promise.allSettled(this.loops);
    return this.counts;
  }

  private fail(why: string): void {
    this.counts.failed++;
    if (this.counts.errors.length < 5) this.counts.errors.push(why);
  }

  private async discover(
    dockers: Array<{ h: { name: string; address: string }; docker: Docker }>,
  ): Promise<void> {
    const filters = JSON.stringify({ label: [`fizz.project=${this.project}`], status: ['running'] });
    while (!this.abort.signal.aborted) {
      const lists = await Promise.all(
        dockers.map(async ({ h, docker }) => {
          try {
            const list = await docker.listContainers({ filters });
            return list.flatMap((c): Endpoint[] => {
              const port = c.Ports.find((p) => p.PublicPort)?.PublicPort;
              // Healthy only: a container still starting is not in rotation yet.
              if (port === undefined || !/\(healthy\)/.test(c.Status)) return [];
              return [{ id: c.Id, host: h.name, address: h.address, port }];
            });
          } catch {
            return [];
          }
        }),
      );
      this.endpoints = lists.flat();
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The engine's `kill` event: the container is being stopped; no new request goes to it. */
  private async watchKills(docker: Docker): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        const stream = (await docker.getEvents({
          filters: JSON.stringify({ type: ['container'], event: ['kill', 'die', 'destroy'] }),
          abortSignal: this.abort.signal,
        } as object)) as NodeJS.ReadableStream;
        let buf = '';
        for await (const chunk of stream) {
          buf += chunk.toString();
          let nl = buf.indexOf('\n');
          while (nl >= 0) {
            const ev = JSON.parse(buf.slice(0, nl)) as { id?: string };
            if (ev.id) this.leaving.add(ev.id);
            buf = buf.slice(nl + 1);
            nl = buf.indexOf('\n');
          }
        }
      } catch {
        // the engine went away (a killed host) or the client stopped
      }
      if (!this.abort.signal.aborted) await new Promise((r) => setTimeout(r, 200));
    }
  }
}
