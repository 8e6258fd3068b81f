/**
 * The mesh's address plan. Every node owns one /18 block of 100.64.0.0/10 (the shared
 * address space RFC 6598 sets aside for carrier NAT, which Tailscale uses too, so it rarely
 * meets a LAN): the block's first address is the node's own on its WireGuard interface,
 * and /24 number i (1…63) of the block is the subnet of the i-th project network the node
 * creates. Container addresses are therefore unique across the cluster and routable: a
 * packet for another node's block goes into the tunnel, and WireGuard's allowed-ips send it
 * to the peer that owns the block (and drop anything that claims a source outside it).
 * Pure.
 */
import { createHash } from 'node:crypto';

export const POOL_BASE = ipToInt('100.64.0.0');
export const POOL_PREFIX = 10;
export const BLOCK_PREFIX = 18;
export const BLOCKS = 1 << (BLOCK_PREFIX - POOL_PREFIX); // 256
export const NETWORKS_PER_BLOCK = 63;
export const POOL_CIDR = `100.64.0.0/${POOL_PREFIX}`;

/** A bad address or subnet read from the engine or a peer. */
export class MeshAddressError extends Error {
  override readonly name = 'MeshAddressError';
}

export function ipToInt(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4) throw new MeshAddressError(`not an IPv4 address: "${ip}"`);
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) throw new MeshAddressError(`not an IPv4 address: "${ip}"`);
    n = n * 256 + Number(p);
  }
  return n;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function blockBase(block: number): number {
  if (!Number.isInteger(block) || block < 0 || block >= BLOCKS)
    throw new MeshAddressError(`mesh block ${block} out of range 0-${BLOCKS - 1}`);
  return POOL_BASE + block * (1 << (32 - BLOCK_PREFIX));
}

export function blockCidr(block: number): string {
  return `${intToIp(blockBase(block))}/${BLOCK_PREFIX}`;
}

/** The node's own address (on its WireGuard interface; the DNS server listens there). */
export function nodeAddress(block: number): string {
  return intToIp(blockBase(block) + 1);
}

/** The subnet of the node's i-th project network (1-based). */
export function networkSubnet(block: number, index: number): string {
  if (!Number.isInteger(index) || index < 1 || index > NETWORKS_PER_BLOCK)
    throw new MeshAddressError(`network index ${index} out of range 1-${NETWORKS_PER_BLOCK}`);
  return `${intToIp(blockBase(block) + index * 256)}/24`;
}

/** The network index of `subnet` inside `block`, if it is one of the block's network subnets. */
export function networkIndexOf(block: number, subnet: string): number | undefined {
  const [ip, prefix] = subnet.split('/');
  if (prefix !== '24' || ip === undefined) return undefined;
  let n: number;
  try {
    n = ipToInt(ip);
  } catch {
    return undefined;
  }
  const offset = n - blockBase(block);
  if (offset <= 0 || offset % 256 !== 0) return undefined;
  const i = offset / 256;
  return i <= NETWORKS_PER_BLOCK ? i : undefined;
}

/** The lowest network index not in `used`, or undefined when the block is full. */
export function freeNetworkIndex(used: Iterable<number>): number | undefined {
  const taken = new Set(used);
  for (let i = 1; i <= NETWORKS_PER_BLOCK; i++) if (!taken.has(i)) return i;
  return undefined;
}

/**
 * The block a node takes: the one its id hashes to, else the next free one. `taken` holds
 * the blocks other nodes announced. Two nodes that start at the same moment on the same
 * hash could still collide; `blockClash` tells the later one (by id) to move.
 */
export function chooseBlock(nodeId: string, taken: Iterable<number>): number {
  const used = new Set(taken);
  const start = createHash('sha256').update(nodeId).digest().readUInt32BE(0) % BLOCKS;
  for (let k = 0; k < BLOCKS; k++) {
    const b = (start + k) % BLOCKS;
    if (!used.has(b)) return b;
  }
  throw new MeshAddressError(`every one of the ${BLOCKS} mesh blocks is taken`);
}

/** Whether `nodeId` must give up `block`: another node holds it and sorts first. */
export function blockClash(nodeId: string, block: number, others: Map<string, number>): boolean {
  for (const [id, b] of others) if (b === block && id < nodeId) return true;
  return false;
}

/** The interface name for a node: unique per node, since wireguard-go's control socket
 * (/var/run/wireguard/NAME.sock) is shared by every network namespace of the machine. */
export function interfaceName(nodeId: string): string {
  return `fz${createHash('sha256').update(nodeId).digest('hex').slice(0, 10)}`;
}

/** Whether `ip` lies in the mesh pool. */
export function inPool(ip: string): boolean {
  try {
    return ipToInt(ip) >>> (32 - POOL_PREFIX) === POOL_BASE >>> (32 - POOL_PREFIX);
  } catch {
    return false;
  }
}
