/**
 * Headless Chromium driven by the DevTools protocol, for the tests that look at a page as a
 * person would (the dashboard). The protocol goes over a pipe (`--remote-debugging-pipe`:
 * JSON messages ended by a NUL byte on fds 3 and 4), so no debugging port is opened, and the
 * browser can run inside a host's network namespace (nsenter keeps the fds). Chromium is
 * kept off every network but the page's: no background services, no name resolution.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

type Params = Record<string, unknown>;
type Message = {
  id?: number;
  method?: string;
  params?: Params;
  sessionId?: string;
  result?: Params;
  error?: { message: string };
};

const QUIET = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
  '--disable-domain-reliability',
  '--disable-client-side-phishing-detection',
  '--metrics-recording-only',
  '--no-pings',
  '--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider,AutofillServerCommunication',
];

export class Chromium {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: Params) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Set<(m: Message) => void>();
  private exited = false;

  private constructor(
    private readonly proc: ChildProcess,
    private readonly dir: string,
    private readonly input: Writable,
    output: Readable,
  ) {
    let buffer = Buffer.alloc(0);
    output.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      let end = buffer.indexOf(0);
      while (end >= 0) {
        const m = JSON.parse(buffer.subarray(0, end).toString('utf8')) as Message;
        buffer = buffer.subarray(end + 1);
        this.dispatch(m);
        end = buffer.indexOf(0);
      }
    });
    proc.once('exit', () => {
      this.exited = true;
      for (const p of this.pending.values()) p.reject(new Error('chromium exited'));
      this.pending.clear();
    });
  }

  /** Starts Chromium; `netnsPath`: inside that network namespace; `allowHosts`: the hosts it may reach. */
  static async launch(
    o: { netnsPath?: string; width?: number; height?: number; allowHosts?: string[] } = {},
  ): Promise<Chromium> {
    const dir = mkdtempSync(join(tmpdir(), 'fizz-chromium-'));
    const args = [
      ...QUIET,
      '--remote-debugging-pipe',
      // Every host but the page's fails to resolve (an update check, …): nothing leaves for elsewhere.
      `--host-resolver-rules=${['MAP * ~NOTFOUND', ...(o.allowHosts ?? []).map((h) => `EXCLUDE ${h}`)].join(', ')}`,
      `--user-data-dir=${dir}`,
      `--window-size=${o.width ?? 1200},${o.height ?? 900}`,
      'about:blank',
    ];
    const argv = o.netnsPath
      ? ['nsenter', `--net=${o.netnsPath}`, 'chromium', ...args]
      : ['chromium', ...args];
    // Its own process group: close() ends the renderers and helpers too, not only the browser.
    const proc = spawn(argv[0]!, argv.slice(1), {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
      detached: true,
    });
    let stderr = '';
    proc.stderr?.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString()).slice(-4000);
    });
    const browser = new Chromium(proc, dir, proc.stdio[3] as Writable, proc.stdio[4] as Readable);
    try {
      await browser.send('Browser.getVersion');
    } catch (err) {
      await browser.close();
      throw new Error(`chromium did not start: ${(err as Error).message}\n${stderr}`);
    }
    return browser;
  }

  send(method: string, params: Params = {}, sessionId?: string): Promise<Params> {
    if (this.exited) return Promise.reject(new Error('chromium exited'));
    const id = this.nextId++;
    const msg: Message = { id, method, params, ...(sessionId ? { sessionId } : {}) };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.input.write(`${JSON.stringify(msg)}\0`);
    });
  }

  /** Calls `fn` with each event (a message with a method) until the returned function is called. */
  on(fn: (m: Message) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** A new tab, attached. */
  async newPage(): Promise<Page> {
    const { targetId } = await this.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await this.send('Target.attachToTarget', { targetId, flatten: true });
    const page = new Page(this, sessionId as string);
    await page.send('Page.enable');
    await page.send('Runtime.enable');
    return page;
  }

  async close(): Promise<void> {
    const group = (signal: NodeJS.Signals) => {
      try {
        if (this.proc.pid !== undefined) process.kill(-this.proc.pid, signal);
      } catch {
        // The group is gone already.
      }
    };
    if (!this.exited) {
      const gone = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
      group('SIGTERM');
      const timer = setTimeout(() => group('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    }
    // A helper of the browser's that outlived it would still write into the profile
    // (rmdir of a directory it just wrote into: ENOTEMPTY).
    group('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }

  private dispatch(m: Message): void {
    if (m.id !== undefined) {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error) p?.reject(new Error(m.error.message));
      else p?.resolve(m.result ?? {});
      return;
    }
    for (const l of this.listeners) l(m);
  }
}

export class Page {
  constructor(
    private readonly browser: Chromium,
    readonly sessionId: string,
  ) {}

  send(method: string, params: Params = {}): Promise<Params> {
    return this.browser.send(method, params, this.sessionId);
  }

  /** Calls `fn` with each of this page's events of `method`. */
  on(method: string, fn: (params: Params) => void): () => void {
    return this.browser.on((m) => {
      if (m.sessionId === this.sessionId && m.method === method) fn(m.params ?? {});
    });
  }

  /** Navigates and resolves once the page's load event fired. */
  async navigate(url: string): Promise<void> {
    const loaded = new Promise<void>((resolve) => {
      const off = this.on('Page.loadEventFired', () => {
        off();
        resolve();
      });
    });
    const r = await this.send('Page.navigate', { url });
    if (r.errorText) throw new Error(`navigating to ${url}: ${String(r.errorText)}`);
    await loaded;
  }

  /** The value of a JavaScript expression in the page (awaited when it is a promise). */
  async evaluate<T>(expression: string): Promise<T> {
    const r = await this.send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
    if (r.exceptionDetails) throw new Error(`in the page: ${JSON.stringify(r.exceptionDetails)}`);
    return (r.result as { value: T }).value;
  }

  /** A PNG of what the page shows (`full`: the whole page, not just the viewport). */
  async screenshot(full = false): Promise<Buffer> {
    const r = await this.send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: full });
    return Buffer.from(r.data as string, 'base64');
  }

  /** The viewport of a phone (or any size): `mobile` as the device emulation has it. */
  async viewport(width: number, height: number, mobile: boolean, scale = 1): Promise<void> {
    await this.send('Emulation.setDeviceMetricsOverride', {
      width,
      height,
      deviceScaleFactor: scale,
      mobile,
    });
  }
}
