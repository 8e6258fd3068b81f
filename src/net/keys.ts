/**
 * Keys of a node and of its cluster: the persistent Ed25519 identity (so the peer id
 * survives restarts), and, derived from the cluster key with domain-separated SHA-256, the
 * private-network pre-shared key and the public cluster id that names the gossip topic.
 */
import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import { ClusterKeyError, IdentityFileError } from './errors.js';

export const IDENTITY_FILE = 'peer.key';

function derive(clusterKey: string | Uint8Array, label: string): Buffer {
  if (clusterKey === undefined || clusterKey === null || clusterKey.length < 16) {
    throw new ClusterKeyError('the cluster key must hold at least 16 characters or bytes');
  }
  return createHash('sha256').update(`fizz/${label}/1\0`).update(clusterKey).digest();
}

/** The key file bytes @libp2p/pnet expects (format `/key/swarm/psk/1.0.0/`). */
export function pskFromClusterKey(clusterKey: string | Uint8Array): Uint8Array {
  const hex = derive(clusterKey, 'pnet').toString('hex');
  return new TextEncoder().encode(`/key/swarm/psk/1.0.0/\n/base16/\n${hex}`);
}

/** A short public name of the cluster; different keys give different topics. */
export function clusterIdFromKey(clusterKey: string | Uint8Array): string {
  return derive(clusterKey, 'cluster-id').toString('hex').slice(0, 16);
}

/** Loads the node's private key from `dir/peer.key`, creating it (mode 0600) on first start. */
export async function loadOrCreateIdentity(dir: string): Promise<PrivateKey> {
  const path = join(dir, IDENTITY_FILE);
  if (existsSync(path)) {
    try {
      return privateKeyFromProtobuf(readFileSync(path));
    } catch (cause) {
      throw new IdentityFileError(`${path} does not hold a libp2p private key; move it away to start anew`, {
        cause,
      });
    }
  }
  mkdirSync(dir, { recursive: true });
  const key = await generateKeyPair('Ed25519');
  const tmp = `${path}.tmp`;
  // Durable before it is renamed into place: a power loss must not leave an empty identity.
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, privateKeyToProtobuf(key));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
  return key;
}

/** The peer id (as a string) of a private key. */
export function peerIdOf(key: PrivateKey): string {
  return key.publicKey.toString();
}
