/**
 * This node's WireGuard interface: userspace `wireguard-go` (these kernels have no
 * WireGuard module) configured with `wg`. The interface outlives the agent on purpose: a
 * restarted agent finds it and reconfigures it, so traffic between containers on different
 * nodes does not stop while the agent restarts.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { POOL_CIDR } from './addressing.js';
import type { CommandRunner } from './command.js';

/** WireGuard's overhead over IPv6 (40 + 8 UDP + 32): the tunnel's MTU is the link's less this (wg-quick's rule). */
export const WG_OVERHEAD = 80;
/** The tunnel's MTU on a 1500-byte link, and when the link is not found. */
export const MESH_MTU = 1500 - WG_OVERHEAD;
/** Bounds of the tunnel's MTU: IPv6's minimum, and a jumbo frame's payload. */
const MTU_RANGE = [1280, 9000] as const;

/**
 * The tunnel's MTU for a node whose cluster address is `host`: the MTU of the interface that
 * holds it, less WireGuard's overhead, as wg-quick sets it. On a LAN with jumbo frames the
 * tunnel carries ~6× fewer packets, each of which wireguard-go handles in user space.
 */
export async function meshMtu(run: CommandRunner, host: string): Promise<number> {
  const addrs = await run(['ip', '-o', '-4', 'addr', 'show']).catch(() => '');
  const dev = addrs
    .split('\n')
    .map((l) => /^\d+:\s+(\S+)\s+inet\s+([\d.]+)\//.exec(l))
    .find((m) => m?.[2] === host)?.[1];
  if (!dev) return MESH_MTU;
  const link = await run(['ip', '-o', 'link', 'show', 'dev', dev]).catch(() => '');
  const mtu = Number(/ mtu (\d+)/.exec(link)?.[1]);
  if (!Number.isInteger(mtu) || mtu <= 0) return MESH_MTU;
  return Math.min(MTU_RANGE[1], Math.max(MTU_RANGE[0], mtu - WG_OVERHEAD));
}

export interface WgPeer {
  key: string;
  /** host:port */
  endpoint: string;
  allowedIps: string;
}

export interface KeyPair {
  privateKey: string;
  publicKey: string;
}

/** A Curve25519 key pair in WireGuard's base64 form; generated once, kept in `file` (0600). */
export function loadOrCreateKey(file: string): KeyPair {
  if (existsSync(file)) {
    const { privateKey, publicKey } = JSON.parse(readFileSync(file, 'utf8')) as KeyPair;
    return { privateKey, publicKey };
  }
  const pair = generateKeyPairSync('x25519');
  // The raw 32-byte keys are the last 32 bytes of their DER encodings.
  const raw = (der: Buffer) => der.subarray(der.length - 32).toString('base64');
  const keys = {
    privateKey: raw(pair.privateKey.export({ format: 'der', type: 'pkcs8' })),
    publicKey: raw(pair.publicKey.export({ format: 'der', type: 'spki' })),
  };
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(keys)}\n`, { mode: 0o600 });
  return keys;
}

export class WireGuardInterface {
  constructor(
    readonly name: string,
    private readonly run: CommandRunner,
  ) {}

  /** Whether the interface exists in this network namespace. */
  async exists(): Promise<boolean> {
    try {
      await this.run(['ip', 'link', 'show', 'dev', this.name]);
      return true;
    } catch {
      return false;
    }
  }

  /** Starts wireguard-go if needed, sets key, port, address, MTU and the pool's route. */
  async up(keyFile: string, port: number, address: string, mtu: number): Promise<void> {
    if (!(await this.exists())) {
      mkdirSync('/var/run/wireguard', { recursive: true });
      // wireguard-go forks into the background and returns once the interface exists.
      await this.run(['wireguard-go', this.name]);
    }
    const key = loadOrCreateKey(keyFile).privateKey;
    const pkFile = `${keyFile}.wg`;
    writeFileSync(pkFile, `${key}\n`, { mode: 0o600 });
    await this.run(['wg', 'set', this.name, 'listen-port', String(port), 'private-key', pkFile]);
    await this.run(['ip', 'address', 'replace', `${address}/32`, 'dev', this.name]);
    await this.run(['ip', 'link', 'set', 'dev', this.name, 'mtu', String(mtu), 'up']);
    await this.run(['ip', 'route', 'replace', POOL_CIDR, 'dev', this.name, 'src', address]);
  }

  /** The peers configured now, by public key. */
  async peers(): Promise<Map<string, WgPeer>> {
    const out = new Map<string, WgPeer>();
    const dump = await this.run(['wg', 'show', this.name, 'dump']);
    for (const line of dump.trim().split('\n').slice(1)) {
      const [key, , endpoint, allowedIps] = line.split('\t');
      if (key) out.set(key, { key, endpoint: endpoint ?? '', allowedIps: allowedIps ?? '' });
    }
    return out;
  }

  /** Makes the peer set exactly `want`: adds, updates and removes. */
  async setPeers(want: WgPeer[]): Promise<void> {
    const have = await this.peers();
    const args: string[] = [];
    for (const p of want) {
      const h = have.get(p.key);
      if (h && h.endpoint === p.endpoint && h.allowedIps === p.allowedIps) continue;
      args.push(
        'peer',
        p.key,
        'endpoint',
        p.endpoint,
        'allowed-ips',
        p.allowedIps,
        'persistent-keepalive',
        '25',
      );
    }
    const keep = new Set(want.map((p) => p.key));
    for (const k of have.keys()) if (!keep.has(k)) args.push('peer', k, 'remove');
    if (args.length) await this.run(['wg', 'set', this.name, ...args]);
  }

  /** Removes the interface; wireguard-go exits with it. */
  async down(): Promise<void> {
    if (await this.exists()) await this.run(['ip', 'link', 'delete', 'dev', this.name]);
  }
}
