/**
 * The mesh's packet rules, as iptables-restore input (pure: `meshRules`) and applied in one
 * transaction (`applyRules`). What they do:
 *
 * - filter (from Docker's DOCKER-USER hook): from the tunnel, a packet may enter a project
 *   network's bridge only from that same network's subnets on other nodes (networks isolate
 *   as in compose: WireGuard's allowed-ips already guarantee the source address belongs to
 *   the peer that sent it), or to a published port of a replica here (ingress from another
 *   node); replies pass; everything else from the tunnel is dropped.
 * - nat POSTROUTING: container traffic into the tunnel keeps its source address (Docker would
 *   masquerade it), which is what the receiving side's isolation rules check; ingress
 *   traffic sent on to another node's replica is masqueraded to this node's mesh address so
 *   the reply comes back through here.
 * - nat PREROUTING/OUTPUT: a published port with no ready replica here is DNATed to the ready
 *   replicas on other nodes, spread evenly (statistic random, as kube-proxy does).
 */
import type { CommandRunner } from './command.js';
import type { IngressRule } from './directory.js';

export const FILTER_CHAIN = 'FIZZ-MESH';
export const POST_CHAIN = 'FIZZ-MESH-POST';
export const INGRESS_CHAIN = 'FIZZ-INGRESS';

export interface LocalNetwork {
  /** Engine network name. */
  name: string;
  /** Linux bridge of the network (`br-<id12>`). */
  bridge: string;
  /** Subnets of the same-named network on other nodes. */
  remoteSubnets: string[];
}

export interface FirewallInput {
  iface: string;
  networks: LocalNetwork[];
  /** Replicas here with published ports: another node's ingress may reach them. */
  published: Array<{ ip: string; protocol: string; target: number }>;
  ingress: IngressRule[];
}

export function meshRules(i: FirewallInput): string {
  const f: string[] = [`:${FILTER_CHAIN} - [0:0]`];
  const w = `-i ${i.iface}`;
  f.push(`-A ${FILTER_CHAIN} ${w} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
  f.push(`-A ${FILTER_CHAIN} -o ${i.iface} -m conntrack --ctstate DNAT -j ACCEPT`);
  for (const n of i.networks)
    for (const s of n.remoteSubnets) f.push(`-A ${FILTER_CHAIN} ${w} -o ${n.bridge} -s ${s} -j ACCEPT`);
  for (const p of i.published)
    f.push(`-A ${FILTER_CHAIN} ${w} -d ${p.ip}/32 -p ${p.protocol} --dport ${p.target} -j ACCEPT`);
  f.push(`-A ${FILTER_CHAIN} ${w} -j DROP`);

  const n: string[] = [`:${POST_CHAIN} - [0:0]`, `:${INGRESS_CHAIN} - [0:0]`];
  n.push(`-A ${POST_CHAIN} -o ${i.iface} -m conntrack --ctstate DNAT -j MASQUERADE`);
  n.push(`-A ${POST_CHAIN} -o ${i.iface} -j ACCEPT`);
  for (const r of i.ingress) {
    if (r.local || r.backends.length === 0) continue;
    const match = `-p ${r.protocol} --dport ${r.published}`;
    r.backends.forEach((b, k) => {
      const left = r.backends.length - k;
      const pick = left > 1 ? ` -m statistic --mode random --probability ${(1 / left).toFixed(5)}` : '';
      n.push(`-A ${INGRESS_CHAIN} ${match}${pick} -j DNAT --to-destination ${b.ip}:${r.target}`);
    });
  }
  return ['*filter', ...f, 'COMMIT', '*nat', ...n, 'COMMIT', ''].join('\n');
}

/** The jumps into the chains, each checked before it is inserted (so it exists once). */
const JUMPS: Array<{ table: string; chain: string; rule: string[] }> = [
  { table: 'filter', chain: 'DOCKER-USER', rule: ['-j', FILTER_CHAIN] },
  { table: 'nat', chain: 'POSTROUTING', rule: ['-j', POST_CHAIN] },
  { table: 'nat', chain: 'PREROUTING', rule: ['-m', 'addrtype', '--dst-type', 'LOCAL', '-j', INGRESS_CHAIN] },
  { table: 'nat', chain: 'OUTPUT', rule: ['-m', 'addrtype', '--dst-type', 'LOCAL', '-j', INGRESS_CHAIN] },
];

export async function applyRules(run: CommandRunner, rules: string): Promise<void> {
  if (rules) await run(['iptables-restore', '-w', '--noflush'], rules);
  for (const j of JUMPS) {
    // First in its chain: Docker inserts a network's MASQUERADE rule at the top of
    // POSTROUTING when it makes the network, which would otherwise come before ours.
    const listed = await run(['iptables', '-w', '-t', j.table, '-S', j.chain]);
    const first = listed.split('\n').find((l) => l.startsWith('-A '));
    if (first === `-A ${j.chain} ${j.rule.join(' ')}`) continue;
    if (listed.includes(`-A ${j.chain} ${j.rule.join(' ')}`))
      await run(['iptables', '-w', '-t', j.table, '-D', j.chain, ...j.rule]);
    await run(['iptables', '-w', '-t', j.table, '-I', j.chain, '1', ...j.rule]);
  }
}

/** Removes the jumps and the chains (the node left its cluster). */
export async function removeRules(run: CommandRunner): Promise<void> {
  for (const j of JUMPS) {
    try {
      await run(['iptables', '-w', '-t', j.table, '-D', j.chain, ...j.rule]);
    } catch {
      // Not there: nothing to remove.
    }
  }
  for (const [table, chain] of [
    ['filter', FILTER_CHAIN],
    ['nat', POST_CHAIN],
    ['nat', INGRESS_CHAIN],
  ] as const) {
    try {
      await run(['iptables', '-w', '-t', table, '-F', chain]);
      await run(['iptables', '-w', '-t', table, '-X', chain]);
    } catch {
      // Not there.
    }
  }
}
