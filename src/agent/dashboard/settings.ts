/**
 * Where the dashboard listens, and its login token: `fizz agent --dashboard ADDR`, else
 * FIZZ_DASHBOARD, else what `fizz dashboard` saved in FIZZ_HOME/dashboard.json. Off unless
 * one of them asks for it. Bound to loopback it needs no token; anywhere else it does.
 */
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { readJsonFile, SerialWriter } from '../json-file.js';

/** The port `fizz dashboard` picks when none is named (the cluster's 7171 and 7172, then a gap). */
export const DEFAULT_DASHBOARD_PORT = 7180;
export const DEFAULT_DASHBOARD_ADDRESS = `127.0.0.1:${DEFAULT_DASHBOARD_PORT}`;

/** An address the dashboard cannot take: the message says what is expected. */
export class DashboardAddressError extends Error {
  override readonly name = 'DashboardAddressError';
}

export interface DashboardAddress {
  /** An IP address (v4 or v6, without brackets). */
  host: string;
  port: number;
}

/**
 * `HOST:PORT`, `[V6]:PORT`, `HOST` (port 7180) or `PORT` (on 127.0.0.1). HOST is an IP
 * address or `localhost`; port 0 lets the system choose (tests).
 */
export function parseDashboardAddress(text: string): DashboardAddress {
  const bad = (why: string) =>
    new DashboardAddressError(
      `invalid dashboard address "${text}": ${why} (expected HOST:PORT, HOST or PORT, e.g. ${DEFAULT_DASHBOARD_ADDRESS} or 0.0.0.0:${DEFAULT_DASHBOARD_PORT})`,
    );
  const s = text.trim();
  let host: string;
  let portText: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(s);
  if (v6) [host, portText] = [v6[1]!, v6[2]];
  else if (/^\d+$/.test(s)) [host, portText] = ['127.0.0.1', s];
  else if (isIP(s) === 6) host = s;
  else {
    const i = s.lastIndexOf(':');
    [host, portText] = i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
  }
  if (host === 'localhost') host = '127.0.0.1';
  if (isIP(host) === 0) throw bad(`"${host}" is not an IP address`);
  if (portText === undefined) return { host, port: DEFAULT_DASHBOARD_PORT };
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw bad(`"${portText}" is not a port (0-65535)`);
  return { host, port };
}

export function formatAddress(a: DashboardAddress): string {
  return isIP(a.host) === 6 ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** 127.0.0.0/8 and ::1 (also as an IPv4-mapped address). */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^::ffff:/i, '');
  return /^127\.\d+\.\d+\.\d+$/.test(h) || h === '::1';
}

/** What dashboard.json holds: the address (null: off) and the token, kept across restarts. */
export interface DashboardSettings {
  address: string | null;
  token: string;
}

/** `off`, `none` and the empty string turn it off. */
export function settingOff(value: string): boolean {
  return ['', 'off', 'none', 'false', '0'].includes(value.trim().toLowerCase());
}

export class DashboardSettingsFile {
  readonly path: string;
  private readonly writer: SerialWriter;
  private saved: DashboardSettings;
  /** Whether the token in use is the one on disk (a new one is written before it is handed out). */
  private tokenSaved: boolean;

  constructor(home: string, onCorrupt: (reason: string) => void) {
    this.path = join(home, 'dashboard.json');
    this.writer = new SerialWriter(this.path);
    const raw = readJsonFile(this.path, onCorrupt) as Partial<DashboardSettings> | undefined;
    const token = typeof raw?.token === 'string' && raw.token.length >= 32 ? raw.token : newToken();
    const address = typeof raw?.address === 'string' ? raw.address : null;
    this.saved = { address, token };
    this.tokenSaved = token === raw?.token;
  }

  get(): DashboardSettings {
    return { ...this.saved };
  }

  /** Saves the address (null: off); the token stays unless `rotate`. */
  save(address: string | null, rotate = false): Promise<void> {
    this.saved = { address, token: rotate ? newToken() : this.saved.token };
    this.tokenSaved = true;
    return this.writer.write(`${JSON.stringify(this.saved, null, 2)}\n`);
  }

  /** Writes the token if it is not on disk yet, so it outlives a restart of the agent. */
  async keepToken(): Promise<void> {
    if (!this.tokenSaved) await this.save(this.saved.address);
  }
}

/** 32 random bytes, URL-safe: what a visitor from another machine must present. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Which address the agent starts the dashboard on: the flag, else the environment, else the
 * saved setting; undefined: off.
 */
export function startupAddress(
  flag: string | undefined,
  env: string | undefined,
  saved: DashboardSettings,
): string | undefined {
  for (const v of [flag, env]) if (v !== undefined) return settingOff(v) ? undefined : v;
  return saved.address ?? undefined;
}
