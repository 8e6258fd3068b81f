/**
 * Sends one SWIM alive packet, sealed with the cluster's key, from the host it runs on: what
 * a process holding the cluster key (a member, or a removed node before a key rotation)
 * could send. Its metadata is signed with whichever Ed25519 key file it is given, so a test
 * can send a forged update (a key that is not the named node's) or a replay (the node's own
 * key at an older incarnation, the bytes a recording would hold).
 *
 *   node forge-alive.js '{"to":"h:p","clusterKey":"…","node":"…","incarnation":N,"addr":"h:p",
 *                         "meta":{…},"peerKeyFile":"…/peer.key"}'
 */
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys';
import { splitAddress, swimKeyFromClusterKey } from '../../src/agent/membership/keys.js';
import { Ed25519MetaSigner } from '../../src/agent/membership/signed-meta.js';
import { clusterIdFromKey } from '../../src/net/keys.js';
import { Writer } from '../../swim/bytes.js';
import { MsgType, writeMessage } from '../../swim/codec.js';
import { Envelope } from '../../swim/envelope.js';
import { encodeMeta, Keyring, type NodeMeta } from '../../swim/index.js';

interface Forgery {
  to: string;
  clusterKey: string;
  /** The cluster's id when pinned (after a key rotation); else derived from the key. */
  clusterId?: string;
  node: string;
  incarnation: number;
  addr: string;
  meta: NodeMeta;
  peerKeyFile: string;
}

const f = JSON.parse(process.argv[2] ?? '{}') as Forgery;
const key = Buffer.from(f.clusterKey, 'base64url');
const clusterId = f.clusterId ?? clusterIdFromKey(key);
const secretKey = privateKeyFromProtobuf(readFileSync(f.peerKeyFile)).raw.subarray(0, 32);
const signer = new Ed25519MetaSigner({ clusterId, secretKey, keyOf: () => undefined });
const env = new Envelope(clusterId, new Keyring([swimKeyFromClusterKey(key)]));
const w = new Writer(2048);
env.begin(w);
writeMessage(w, {
  type: MsgType.Alive,
  incarnation: f.incarnation,
  node: f.node,
  addr: f.addr,
  meta: signer.sign(f.node, f.incarnation, f.addr, encodeMeta(f.meta, 512)),
});
const packet = env.finish(w);
const { host, port } = splitAddress(f.to);
const sock = createSocket('udp4');
sock.send(packet, port, host, (err) => {
  sock.close();
  if (err) {
    console.error(err.message);
    process.exit(1);
  }
});
