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

/** Inner MTU: 1500 less WireGuard's 80 bytes of IPv6+UDP+header overhead (wg-quick's rule). */
export const MESH_MTU = 1420;

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

  /** Starts wireguard-go if needed, sets key, port, address and the pool's route. */
  async up(keyFile: string, port: number, address: string): Promise<void> {
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
    await this.run(['ip', 'link', 'set', 'dev', this.name, 'mtu', String(MESH_MTU), 'up']);
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
