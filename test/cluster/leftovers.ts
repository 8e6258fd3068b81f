/**
 * What of a cluster is still on the machine: the check `down` ends with, and what tests
 * assert is empty. Looks by name, independently of the state file.
 */
import { existsSync, readdirSync } from 'node:fs';
import type { ClusterLayout } from './layout.js';
import { mountsUnder } from './mounts.js';
import { linkExists, linksWithPrefix, netnsWithPrefix } from './network.js';
import { alive, cmdline } from './procs.js';
import { run } from './sh.js';

/** Live processes whose command line names a path under `dir` (dockerd, containerd, shims). */
export function processesUnder(dir: string): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => pid !== process.pid && alive(pid) && cmdline(pid).some((a) => a.includes(`${dir}/`)));
}

/** Human-readable descriptions of everything left; empty when the machine is clean. */
export async function leftovers(c: ClusterLayout): Promise<string[]> {
  const out: string[] = [];
  for (const ns of await netnsWithPrefix(c.hostPrefix)) out.push(`netns ${ns}`);
  for (const link of await linksWithPrefix(c.hostPrefix)) out.push(`link ${link}`);
  if (await linkExists(c.bridge)) out.push(`bridge ${c.bridge}`);
  if ((await run(['iptables', '-w', '-C', ...c.forwardRule])).code === 0)
    out.push(`iptables rule -A ${c.forwardRule.join(' ')}`);
  for (const pid of processesUnder(c.dir)) out.push(`process ${pid} ${cmdline(pid).join(' ').slice(0, 120)}`);
  for (const m of mountsUnder(c.dir)) out.push(`mount ${m}`);
  if (existsSync(c.dir)) out.push(`directory ${c.dir}`);
  let controllers: string[] = [];
  try {
    controllers = readdirSync('/sys/fs/cgroup');
  } catch {
    // no cgroup file system: nothing to leave
  }
  for (const ctl of controllers) {
    let entries: string[] = [];
    try {
      entries = readdirSync(`/sys/fs/cgroup/${ctl}`);
    } catch {
      continue;
    }
    for (const e of entries) if (e.startsWith(c.hostPrefix)) out.push(`cgroup ${ctl}/${e}`);
  }
  return out;
}
