/**
 * The agent's live dashboard (`fizz dashboard`): off unless asked for; turned on, off or
 * moved while the agent runs, and the choice kept in FIZZ_HOME for the next start. On a
 * loopback address it asks for no token; anywhere else for the login token.
 */
import { networkInterfaces } from 'node:os';
import type { DashboardHandlers, DashboardInfo, DashboardRequest } from '../../api/dashboard-api.js';
import type { ApiHandlers } from '../../api/server.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { DashboardSource } from './live.js';
import { DashboardServer } from './server.js';
import {
  type DashboardAddress,
  DashboardSettingsFile,
  DEFAULT_DASHBOARD_ADDRESS,
  formatAddress,
  isLoopback,
  parseDashboardAddress,
  startupAddress,
} from './settings.js';

export interface DashboardDeps {
  home: string;
  logger: Logger;
  clock: Clock;
  source: DashboardSource;
  /** This node's cluster address (`ip:port`), shown instead of 0.0.0.0 or ::. */
  advertise: () => string | undefined;
}

export class Dashboard implements DashboardHandlers {
  private readonly settings: DashboardSettingsFile;
  private server: DashboardServer | undefined;
  private bound: DashboardAddress | undefined;
  /** One change at a time: two `fizz dashboard` at once must not both listen. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly d: DashboardDeps) {
    this.settings = new DashboardSettingsFile(d.home, (reason) =>
      d.logger.warn({ reason }, 'dashboard.json unreadable: the dashboard stays off until `fizz dashboard`'),
    );
  }

  /** At the agent's start: the flag, FIZZ_DASHBOARD or the saved setting. A failure is logged, not fatal. */
  async startup(flag: string | undefined, env = process.env.FIZZ_DASHBOARD): Promise<void> {
    const address = startupAddress(flag, env, this.settings.get());
    if (address === undefined) return;
    try {
      await this.serialized(() => this.listen(parseDashboardAddress(address)));
      this.d.logger.info({ url: this.url(false) }, 'dashboard listening');
    } catch (err) {
      this.d.logger.error({ err: (err as Error).message }, 'dashboard not started');
    }
  }

  dashboard(req: DashboardRequest): Promise<DashboardInfo> {
    return this.serialized(async () => {
      if (req.status) return this.info();
      if (req.off) {
        await this.stop();
        await this.settings.save(null);
        return this.info();
      }
      const saved = this.settings.get();
      const wanted = parseDashboardAddress(
        req.address ??
          (this.bound ? formatAddress(this.bound) : null) ??
          saved.address ??
          DEFAULT_DASHBOARD_ADDRESS,
      );
      if (req.rotateToken) await this.settings.save(saved.address, true);
      const same =
        this.bound &&
        this.bound.host === wanted.host &&
        (wanted.port === 0 || this.bound.port === wanted.port);
      if (!same || req.rotateToken) await this.listen(wanted);
      await this.settings.save(formatAddress(this.bound!));
      return this.info();
    });
  }

  async close(): Promise<void> {
    await this.serialized(() => this.stop());
  }

  /** Where it listens, and the address to open (the token included when one is needed). */
  info(): DashboardInfo {
    if (!this.bound) return { enabled: false };
    return {
      enabled: true,
      address: formatAddress(this.bound),
      url: this.url(true),
      tokenRequired: !isLoopback(this.bound.host),
    };
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn);
    this.queue = next.catch(() => {});
    return next;
  }

  /**
   * Listens at `at`; the old server is closed first, so the same port can be taken again, and
   * taken back when `at` cannot be had.
   */
  private async listen(at: DashboardAddress): Promise<void> {
    const previous = this.bound;
    await this.stop();
    try {
      await this.open(at);
    } catch (err) {
      if (previous) await this.open(previous).catch(() => {});
      throw err;
    }
  }

  private async open(at: DashboardAddress): Promise<void> {
    const loopback = isLoopback(at.host);
    if (!loopback) await this.settings.keepToken();
    const server = new DashboardServer({
      source: this.d.source,
      clock: this.d.clock,
      logger: this.d.logger,
      token: loopback ? undefined : this.settings.get().token,
    });
    this.bound = await server.listen(at);
    this.server = server;
  }

  private async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.bound = undefined;
    await server?.close();
  }

  private url(withToken: boolean): string {
    const b = this.bound!;
    let host = b.host;
    if (host === '0.0.0.0' || host === '::') host = this.advertisedHost() ?? '127.0.0.1';
    const base = `http://${formatAddress({ host, port: b.port })}/`;
    return withToken && !isLoopback(b.host) ? `${base}?token=${this.settings.get().token}` : base;
  }

  /** The cluster address's IP, else the first external IPv4 address of this machine. */
  private advertisedHost(): string | undefined {
    const a = this.d.advertise();
    if (a) return a.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    for (const list of Object.values(networkInterfaces()))
      for (const i of list ?? []) if (i.family === 'IPv4' && !i.internal) return i.address;
    return undefined;
  }
}

/** `handlers` with the dashboard route in front (the agent's handlers are a proxy: see remote/wire.ts). */
export function withDashboard(handlers: ApiHandlers, dashboard: DashboardHandlers): ApiHandlers {
  return new Proxy(handlers, {
    get: (target, key, receiver) => (key === 'dashboard' ? dashboard : Reflect.get(target, key, receiver)),
  });
}
