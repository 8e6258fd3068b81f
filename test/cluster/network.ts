/**
 * The hosts' network: one bridge in the root namespace, and per host a network namespace
 * joined to it by a veth pair. Faults (cut, loss) are iptables DROP rules in a chain of the
 * harness's own, FZC-IN, hooked first on raw PREROUTING for eth0 inside each host's namespace:
 * every packet arriving at a host, for the host or its containers. Packets are only ever
 * dropped where they arrive: a DROP on the way out would fail the sender's sendto/connect with
 * EPERM at once, which no real network does. Each rule carries a comment naming the fault, so
 * `status` can read the faults back; healing flushes the chains, which vanish with the
 * namespace. The host engine's own chains (filter, nat) are not touched.
 */
import { existsSync, mkdirSync } from 'node:fs';
import type { ClusterLayout, HostLayout } from './layout.js';
import { CommandError, inNetns, must, run } from './sh.js';

const IN = 'FZC-IN';

export async function createBridge(c: ClusterLayout): Promise<void> {
  const routes = await must(['ip', '-o', 'route', 'show', `${c.config.subnet}.0/24`]);
  if (routes.trim() && !routes.includes(` dev ${c.bridge} `))
    throw new Error(`subnet ${c.config.subnet}.0/24 is already routed elsewhere: ${routes.trim()}`);
  if (!(await linkExists(c.bridge))) {
    await must(['ip', 'link', 'add', c.bridge, 'type', 'bridge']);
    await must(['ip', 'addr', 'add', `${c.bridgeAddress}/24`, 'dev', c.bridge]);
  }
  await must(['ip', 'link', 'set', c.bridge, 'up']);
  // The main engine sets FORWARD's policy to DROP and bridged traffic passes through it
  // (br_netfilter): without this rule hosts cannot reach each other's published ports.
  if ((await run(['iptables', '-w', '-C', ...c.forwardRule])).code !== 0)
    await must(['iptables', '-w', '-I', ...c.forwardRule]);
}

export async function removeBridge(c: ClusterLayout): Promise<void> {
  // -D removes one copy; a crashed run may have inserted several.
  while ((await run(['iptables', '-w', '-D', ...c.forwardRule])).code === 0);
  if (await linkExists(c.bridge)) await must(['ip', 'link', 'del', c.bridge]);
}

export async function linkExists(name: string): Promise<boolean> {
  return (await run(['ip', 'link', 'show', 'dev', name])).code === 0;
}

/** Names of root-namespace links starting with `prefix` (a crashed run's leftover veths). */
export async function linksWithPrefix(prefix: string): Promise<string[]> {
  const out = await must(['ip', '-o', 'link', 'show']);
  return out
    .split('\n')
    .map((l) => /^\d+:\s+([^:@\s]+)/.exec(l)?.[1])
    .filter((n): n is string => n?.startsWith(prefix) ?? false);
}

export async function netnsWithPrefix(prefix: string): Promise<string[]> {
  const out = await must(['ip', 'netns', 'list']);
  return out
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter((n) => n.startsWith(prefix));
}

const ipt = (h: HostLayout, table: string, ...args: string[]) =>
  inNetns(h.netnsPath, ['iptables', '-w', '-t', table, ...args]);

/** The host's namespace, its eth0 on the bridge with its address, loopback up, and the fault chains. */
export async function createHostNetwork(c: ClusterLayout, h: HostLayout): Promise<void> {
  mkdirSync('/var/run/netns', { recursive: true });
  if (!existsSync(h.netnsPath)) await must(['ip', 'netns', 'add', h.netns]);
  if (!(await linkExists(h.veth)))
    await must(['ip', 'link', 'add', h.veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h.netns]);
  await must(['ip', 'link', 'set', h.veth, 'master', c.bridge, 'up']);
  const inNs = (...args: string[]) => must(['ip', '-n', h.netns, ...args]);
  await run(['ip', '-n', h.netns, 'addr', 'add', `${h.address}/24`, 'dev', 'eth0']);
  await inNs('link', 'set', 'eth0', 'up');
  await inNs('link', 'set', 'lo', 'up');
  // No default route: a host can reach its peers and nothing beyond the bridge.
  await must(ipt(h, 'raw', '-N', IN));
  await must(ipt(h, 'raw', '-I', 'PREROUTING', '-i', 'eth0', '-j', IN));
}

/** The host's link to the bridge carries `mtu` (a LAN with jumbo frames): both veth ends, then the bridge. */
export async function setLinkMtu(c: ClusterLayout, h: HostLayout, mtu: number): Promise<void> {
  await must(['ip', 'link', 'set', h.veth, 'mtu', String(mtu)]);
  await must(['ip', '-n', h.netns, 'link', 'set', 'eth0', 'mtu', String(mtu)]);
  await must(['ip', 'link', 'set', c.bridge, 'mtu', String(mtu)]);
}

/** Deleting the namespace destroys its end of the veth pair, and so the pair. */
export async function removeHostNetwork(h: HostLayout): Promise<void> {
  if (existsSync(h.netnsPath)) await must(['ip', 'netns', 'del', h.netns]);
  await removeLink(h.veth);
}

/** Deletes a root-namespace link; one that is gone already (its namespace's teardown took it) is fine. */
export async function removeLink(name: string): Promise<void> {
  const r = await run(['ip', 'link', 'del', name]);
  if (r.code !== 0 && (await linkExists(name))) throw new CommandError(['ip', 'link', 'del', name], r);
}

/** Appends a DROP of the packets matching `match` arriving at the host, tagged with `fault`. */
export async function drop(h: HostLayout, match: string[], fault: string): Promise<void> {
  await must(ipt(h, 'raw', '-A', IN, ...match, '-m', 'comment', '--comment', fault, '-j', 'DROP'));
}

export function lossMatch(p: number): string[] {
  if (!(p > 0 && p <= 1)) throw new RangeError(`loss probability ${p}: expected 0 < p <= 1`);
  return ['-m', 'statistic', '--mode', 'random', '--probability', String(p)];
}

export async function heal(h: HostLayout): Promise<void> {
  await must(ipt(h, 'raw', '-F', IN));
}

/** The comments of the host's fault rules (each names a fault: "h2 cut", "h1 loss 0.1"). */
export async function faultComments(h: HostLayout): Promise<string[]> {
  const r = await run(ipt(h, 'raw', '-S', IN));
  if (r.code !== 0) return [];
  return commentsOf(r.stdout);
}

/** Pure: the distinct --comment values of `iptables -S` output. */
export function commentsOf(rules: string): string[] {
  const out = new Set<string>();
  for (const line of rules.split('\n')) {
    const m = /--comment (?:"([^"]*)"|(\S+))/.exec(line);
    if (m) out.add(m[1] ?? m[2]!);
  }
  return [...out];
}
