/**
 * Registry credentials as the docker CLI reads them: `$DOCKER_CONFIG/config.json` (default
 * `~/.docker/config.json`), its `auths` entries (base64 `user:password` in `auth`, or
 * `username`/`password`, or an `identitytoken`), and the credential helpers it names
 * (`credHelpers` per registry, else `credsStore`), run as `docker-credential-<name> get`
 * when they are installed. Keys are matched as the CLI does: exactly, else by host name
 * (`https://127.0.0.1:5000/v2/` is the key of `127.0.0.1:5000`).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RegistryConfigError } from './image-errors.js';
import { authKey, DOCKER_HUB } from './image-ref.js';

/** The credentials of one registry, as the engine takes them (X-Registry-Auth). */
export interface RegistryAuth {
  username?: string;
  password?: string;
  identitytoken?: string;
  serveraddress: string;
}

/** Credentials, and where they came from (for error messages). */
export interface FoundAuth {
  auth: RegistryAuth;
  /** `/root/.docker/config.json` or `docker-credential-pass`. */
  source: string;
}

interface AuthEntry {
  auth?: string;
  username?: string;
  password?: string;
  identitytoken?: string;
}

interface ConfigFile {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
}

/**
 * Runs `docker-credential-<helper> <action>` with `input` on stdin; resolves its stdout,
 * or undefined when the helper is not installed or knows nothing for that input.
 */
export type HelperRunner = (
  helper: string,
  action: 'get' | 'list',
  input: string,
) => Promise<string | undefined>;

/** The directory of the docker CLI's config: DOCKER_CONFIG, else ~/.docker. */
export function dockerConfigDir(env: NodeJS.ProcessEnv, home: string): string {
  return env.DOCKER_CONFIG || join(home, '.docker');
}

/** `https://host:port/v1/` → `host:port`, as docker's ConvertToHostname. */
export function hostnameOf(key: string): string {
  const bare = key.replace(/^https?:\/\//, '');
  return bare.split('/')[0] ?? bare;
}

/** The registry host a config key stands for (`https://index.docker.io/v1/` is Docker Hub). */
function registryOfKey(key: string): string {
  const host = hostnameOf(key);
  return host === 'index.docker.io' ? DOCKER_HUB : host;
}

const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** The real runner: spawns the helper, 30 s at most. */
export const runCredentialHelper: HelperRunner = async (helper, action, input) => {
  if (!HELPER_NAME.test(helper)) return undefined;
  // Loaded here: the CLI imports this module for dockerConfigDir alone, and child_process
  // adds ~4 ms to every command's start.
  const { spawn } = await import('node:child_process');
  return new Promise((resolve) => {
    const child = spawn(`docker-credential-${helper}`, [action], { stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('error', () => {
      clearTimeout(timer);
      resolve(undefined); // not installed
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code === 0 ? out : undefined);
    });
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
};

function decodeEntry(registry: string, e: AuthEntry): RegistryAuth | undefined {
  const out: RegistryAuth = { serveraddress: registry };
  if (typeof e.auth === 'string' && e.auth !== '') {
    const text = Buffer.from(e.auth, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon < 0) return undefined;
    out.username = text.slice(0, colon);
    out.password = text.slice(colon + 1);
  } else {
    if (typeof e.username === 'string') out.username = e.username;
    if (typeof e.password === 'string') out.password = e.password;
  }
  if (typeof e.identitytoken === 'string' && e.identitytoken !== '') out.identitytoken = e.identitytoken;
  return out.username !== undefined || out.identitytoken !== undefined ? out : undefined;
}

export class RegistryCredentials {
  private config: Promise<ConfigFile> | undefined;
  readonly file: string;

  constructor(
    readonly dir: string,
    private readonly runHelper: HelperRunner = runCredentialHelper,
  ) {
    this.file = join(dir, 'config.json');
  }

  /** The config file, read once; none at all is an empty config, a broken one an error. */
  private read(): Promise<ConfigFile> {
    this.config ??= (async () => {
      let text: string;
      try {
        text = await readFile(this.file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
        throw new RegistryConfigError(this.file, (err as Error).message, { cause: err });
      }
      try {
        const v = JSON.parse(text) as unknown;
        if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not a JSON object');
        return v as ConfigFile;
      } catch (err) {
        throw new RegistryConfigError(this.file, (err as Error).message, { cause: err });
      }
    })();
    return this.config;
  }

  private fromFile(config: ConfigFile, key: string, registry: string): FoundAuth | undefined {
    const auths = config.auths && typeof config.auths === 'object' ? config.auths : {};
    let entry = auths[key];
    if (entry === undefined)
      for (const [k, v] of Object.entries(auths)) if (registryOfKey(k) === registry) entry = v;
    if (!entry || typeof entry !== 'object') return undefined;
    const auth = decodeEntry(registry, entry);
    return auth ? { auth, source: this.file } : undefined;
  }

  private async fromHelper(helper: string, key: string, registry: string): Promise<FoundAuth | undefined> {
    const out = await this.runHelper(helper, 'get', key);
    if (out === undefined) return undefined;
    try {
      const v = JSON.parse(out) as { Username?: unknown; Secret?: unknown };
      if (typeof v.Secret !== 'string' || v.Secret === '') return undefined;
      const auth: RegistryAuth =
        v.Username === '<token>'
          ? { identitytoken: v.Secret, serveraddress: registry }
          : { username: String(v.Username ?? ''), password: v.Secret, serveraddress: registry };
      return { auth, source: `docker-credential-${helper}` };
    } catch {
      return undefined;
    }
  }

  /** The credentials for a registry host (`docker.io`, `127.0.0.1:5000`), if any are configured. */
  async get(registry: string): Promise<FoundAuth | undefined> {
    const config = await this.read();
    const key = authKey(registry);
    const helper = config.credHelpers?.[registry] ?? config.credHelpers?.[key] ?? config.credsStore;
    if (typeof helper === 'string' && helper !== '') {
      const found = await this.fromHelper(helper, key, registry);
      if (found) return found;
    }
    return this.fromFile(config, key, registry);
  }

  /** Every configured registry's credentials, by host (what a build may need for its FROM images). */
  async all(): Promise<Record<string, RegistryAuth>> {
    const config = await this.read();
    const hosts = new Set<string>();
    for (const k of Object.keys(config.auths ?? {})) hosts.add(registryOfKey(k));
    for (const k of Object.keys(config.credHelpers ?? {})) hosts.add(registryOfKey(k));
    if (typeof config.credsStore === 'string' && config.credsStore !== '') {
      const listed = await this.runHelper(config.credsStore, 'list', '');
      try {
        for (const k of Object.keys(JSON.parse(listed ?? '{}') as object)) hosts.add(registryOfKey(k));
      } catch {
        // a helper that cannot list adds nothing
      }
    }
    const out: Record<string, RegistryAuth> = {};
    for (const registry of [...hosts].sort()) {
      const found = await this.get(registry);
      if (found) out[authKey(registry)] = found.auth;
    }
    return out;
  }
}
