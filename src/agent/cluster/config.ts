/**
 * What makes this node a member of a cluster, kept in FIZZ_HOME/cluster.json (mode 0600):
 * the cluster key, the address it listens on and advertises, its name, the seeds it
 * rejoins through after a restart, and the cluster's tie rule. Written only once an `init`
 * or `join` has succeeded, so a refused join changes nothing on disk.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { isAgeIdentity } from '../secrets/box.js';

/** The cluster port: UDP for SWIM and TCP for libp2p (not Swarm's 2377, 7946 or 4789). */
export const DEFAULT_CLUSTER_PORT = 7171;
export const CLUSTER_FILE = 'cluster.json';

/**
 * What a side that sees exactly half of the last stable member view does (a two-node
 * cluster cut in two always sees half): `availability` takes over the lost members' slots
 * (both sides may run them until the heal), `safety` starts nothing for them.
 */
export type TieRule = 'availability' | 'safety';

export interface ClusterConfig {
  version: 1;
  /** base64url of 32 random bytes: the source of the pnet, SWIM and topic keys. */
  key: string;
  /** `host:port` this node binds and advertises (the one address others dial). */
  address: string;
  /** The node's name (its hostname unless set): unique in the cluster. */
  name: string;
  /** Addresses to rejoin through after a restart. */
  seeds: string[];
  tie: TieRule;
  labels: Record<string, string>;
  /** The cluster's age identity (`AGE-SECRET-KEY-1…`): secrets and configs are sealed to it. */
  secrets?: string;
  /** The cluster's public id, pinned by a key rotation (before one: derived from `key`). */
  id?: string;
  /** Keys accepted besides `key` while a rotation runs (key-rotation.ts). */
  accept?: string[];
}

export class ClusterConfigError extends Error {
  override readonly name = 'ClusterConfigError';
}

/** A refused init or join: nothing changed on either side. */
export class ClusterJoinError extends Error {
  override readonly name = 'ClusterJoinError';
}

export class JoinTokenError extends Error {
  override readonly name = 'JoinTokenError';
}

export function newClusterKey(): string {
  return randomBytes(32).toString('base64url');
}

export function clusterFile(home: string): string {
  return join(home, CLUSTER_FILE);
}

/** The config, or undefined when this node is in no cluster. */
export function readClusterConfig(home: string): ClusterConfig | undefined {
  const file = clusterFile(home);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ClusterConfigError(`${file}: ${(err as Error).message}`);
  }
  let v: Partial<ClusterConfig>;
  try {
    v = JSON.parse(text) as Partial<ClusterConfig>;
  } catch {
    throw new ClusterConfigError(`${file} is not valid JSON; restore it, or remove it and join again`);
  }
  if (
    v?.version !== 1 ||
    typeof v.key !== 'string' ||
    typeof v.address !== 'string' ||
    typeof v.name !== 'string' ||
    !Array.isArray(v.seeds)
  )
    throw new ClusterConfigError(
      `${file} does not hold a cluster config; restore it, or remove it and join again`,
    );
  return {
    version: 1,
    key: v.key,
    address: v.address,
    name: v.name,
    seeds: v.seeds.filter((s): s is string => typeof s === 'string'),
    tie: v.tie === 'safety' ? 'safety' : 'availability',
    labels: v.labels && typeof v.labels === 'object' ? { ...v.labels } : {},
    ...(isAgeIdentity(v.secrets) ? { secrets: v.secrets } : {}),
    ...(typeof v.id === 'string' && /^[0-9a-f]{16}$/.test(v.id) ? { id: v.id } : {}),
    ...(Array.isArray(v.accept)
      ? { accept: v.accept.filter((k): k is string => typeof k === 'string' && k.length >= 16) }
      : {}),
  };
}

/** Written whole and fsynced, then renamed over the old one. */
export function writeClusterConfig(home: string, config: ClusterConfig): void {
  const file = clusterFile(home);
  const tmp = `${file}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(config, null, 2)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

export function removeClusterConfig(home: string): void {
  rmSync(clusterFile(home), { force: true });
}

// ---- addresses ----

/** `host`, `host:port` or `[v6]:port` → host and port (`defaultPort` when none is given). */
export function parseAddress(
  text: string,
  defaultPort = DEFAULT_CLUSTER_PORT,
): { host: string; port: number } {
  const s = text.trim();
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
  if (v6) return { host: v6[1]!, port: v6[2] === undefined ? defaultPort : portOf(v6[2]) };
  const i = s.lastIndexOf(':');
  if (i > 0 && s.indexOf(':') === i) return { host: s.slice(0, i), port: portOf(s.slice(i + 1)) };
  return { host: s, port: defaultPort };
}

function portOf(text: string): number {
  const n = Number(text);
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : 0;
}

export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The address to advertise when none is given: the first non-internal IPv4 address. */
export function defaultHost(): string | undefined {
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return undefined;
}

export function defaultNodeName(): string {
  return hostname().split('.')[0] || 'node';
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export function checkNodeName(name: string): string {
  if (!NAME.test(name))
    throw new ClusterConfigError(
      `invalid node name "${name}": use letters, digits, '.', '_' or '-' (up to 63, starting with a letter or digit)`,
    );
  return name;
}

/**
 * The config of a node about to make (`fizz init`) or join a cluster: its address (given,
 * else the host's, on the default port), its name (given, else the host's) and labels.
 */
export function newNodeConfig(
  req: { address?: string; name?: string; labels?: Record<string, string> },
  key: string,
  tie: TieRule,
): ClusterConfig {
  const host = req.address
    ? parseAddress(req.address)
    : { host: defaultHost() ?? '', port: DEFAULT_CLUSTER_PORT };
  if (!host.host)
    throw new ClusterConfigError('no network address found to listen on: give one with --listen <ip>[:port]');
  if (host.port === 0) throw new ClusterConfigError(`invalid port in "${req.address}"`);
  return {
    version: 1,
    key,
    address: formatAddress(host.host, host.port),
    name: checkNodeName(req.name ?? defaultNodeName()),
    seeds: [],
    tie,
    labels: { ...(req.labels ?? {}) },
  };
}
