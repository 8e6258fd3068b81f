/**
 * The SWIM keyring key and the addresses of one node, derived from what it already has:
 * the cluster key (also the source of the libp2p private-network key, under another label)
 * and its one address `host:port`.
 */
import { hkdfSync } from 'node:crypto';
import { ClusterKeyError } from '../../net/errors.js';

/** HKDF info strings: distinct labels keep the SWIM key independent of the pnet key. */
export const SWIM_KEY_INFO = 'fizz/swim/keyring/1';
const SALT = 'fizz/cluster-key/1';

/** The AES-256-GCM key SWIM seals its packets and streams with: HKDF-SHA256(clusterKey). */
export function swimKeyFromClusterKey(clusterKey: string | Uint8Array): Uint8Array {
  if (clusterKey === undefined || clusterKey === null || clusterKey.length < 16)
    throw new ClusterKeyError('the cluster key must hold at least 16 characters or bytes');
  const ikm = typeof clusterKey === 'string' ? Buffer.from(clusterKey, 'utf8') : clusterKey;
  return new Uint8Array(hkdfSync('sha256', ikm, SALT, SWIM_KEY_INFO, 32));
}

/** `host:port` → `{host, port}`; port 0 when it does not parse. IPv6 hosts may be bracketed. */
export function splitAddress(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  const port = i > 0 ? Number(addr.slice(i + 1)) : 0;
  const host = i > 0 ? addr.slice(0, i).replace(/^\[(.*)\]$/, '$1') : addr;
  return { host, port: Number.isInteger(port) && port > 0 && port < 65536 ? port : 0 };
}

const PEER_ID = /^[1-9A-HJ-NP-Za-km-z]{40,64}$/;

/** Whether `s` looks like a base58 libp2p peer id (a hostile member's metadata is checked). */
export function isPeerId(s: unknown): s is string {
  return typeof s === 'string' && PEER_ID.test(s);
}

/** The libp2p multiaddr of a node's one address: `/ip4/<host>/tcp/<port>[/p2p/<peerId>]`. */
export function multiaddrOf(addr: string, peerId?: string): string | null {
  const { host, port } = splitAddress(addr);
  if (port === 0 || host === '') return null;
  const proto = /^\d{1,3}(\.\d{1,3}){3}$/.test(host) ? 'ip4' : host.includes(':') ? 'ip6' : 'dns';
  if (proto === 'dns' && !/^[A-Za-z0-9.-]+$/.test(host)) return null;
  return `/${proto}/${host}/tcp/${port}${peerId ? `/p2p/${peerId}` : ''}`;
}

/** `/ip4/1.2.3.4/tcp/5/...` → `1.2.3.4:5` (the address a stream came from), else the input. */
export function addressOfMultiaddr(ma: string): string {
  const m = /^\/(?:ip4|ip6|dns|dns4|dns6)\/([^/]+)\/tcp\/(\d+)/.exec(ma);
  return m ? `${m[1]}:${m[2]}` : ma;
}
