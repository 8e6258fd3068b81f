/**
 * Finding and killing every process of a host, read from /proc. A host's processes are those
 * in its network namespace (agent, dockerd, containerd, the containerd-shims, docker-proxy,
 * commands run with `exec`), their descendants (the containers' processes, which sit in
 * namespaces of their own under a shim that was re-parented to pid 1), and anything left in
 * the host engine's cgroup parent.
 */
import { readdirSync, readFileSync, readlinkSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { poll } from './sh.js';

interface ProcInfo {
  ppid: number;
  state: string;
}

function procStat(pid: number): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: the fields start after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: rest[0]!, ppid: Number(rest[1]) };
  } catch {
    return undefined;
  }
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number);
}

/** A zombie has exited and released everything but its pid: it counts as dead. */
export function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  const s = procStat(pid);
  return s !== undefined && s.state !== 'Z' && s.state !== 'X';
}

export function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** The inode of a named network namespace (what /proc/<pid>/ns/net links to), if it exists. */
export function netnsInode(netnsPath: string): number | undefined {
  try {
    return statSync(netnsPath).ino;
  } catch {
    return undefined;
  }
}

export function pidsInNetns(inode: number): number[] {
  const want = `net:[${inode}]`;
  return allPids().filter((pid) => {
    try {
      return readlinkSync(`/proc/${pid}/ns/net`) === want;
    } catch {
      return false;
    }
  });
}

/** The processes in the named network namespace at `netnsPath` whose program is `program`. */
export function programInNetns(netnsPath: string, program: string): number[] {
  const inode = netnsInode(netnsPath);
  if (inode === undefined) return [];
  return pidsInNetns(inode).filter((pid) => cmdline(pid)[0]?.endsWith(program));
}

/** Every pid listed in cgroup.procs under /sys/fs/cgroup/pids/<parent> (cgroup v1), at any depth. */
export function pidsInCgroup(parent: string): number[] {
  const found: number[] = [];
  const walk = (dir: string) => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    try {
      for (const line of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n'))
        if (line) found.push(Number(line));
    } catch {
      // not a cgroup directory
    }
    for (const e of entries) {
      const p = join(dir, e);
      try {
        if (statSync(p).isDirectory()) walk(p);
      } catch {
        // removed meanwhile
      }
    }
  };
  walk(join('/sys/fs/cgroup/pids', parent));
  return found;
}

/** `roots` and all their descendants, from one snapshot of /proc. */
export function withDescendants(roots: number[]): Set<number> {
  const children = new Map<number, number[]>();
  for (const pid of allPids()) {
    const s = procStat(pid);
    if (!s) continue;
    const list = children.get(s.ppid) ?? [];
    list.push(pid);
    children.set(s.ppid, list);
  }
  const out = new Set<number>();
  const stack = [...roots];
  while (stack.length) {
    const pid = stack.pop()!;
    if (out.has(pid)) continue;
    out.add(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

export interface HostProcessSelector {
  netnsPath: string;
  cgroupParent: string;
}

/** This process and its ancestors: a harness run through `exec` inside a host must not kill itself. */
function selfAndAncestors(): Set<number> {
  const out = new Set<number>([1]);
  for (let pid = process.pid; pid > 1 && !out.has(pid); pid = procStat(pid)?.ppid ?? 1) out.add(pid);
  return out;
}

/** The live processes that belong to a host (never pid 1, this process or its ancestors). */
export function hostProcesses(host: HostProcessSelector): number[] {
  const inode = netnsInode(host.netnsPath);
  const roots = [...(inode === undefined ? [] : pidsInNetns(inode)), ...pidsInCgroup(host.cgroupParent)];
  const spare = selfAndAncestors();
  return [...withDescendants(roots)].filter((p) => !spare.has(p) && alive(p));
}

/**
 * SIGKILLs every process of the host at once, again for any that appeared meanwhile (a dockerd
 * spawning as it died), until none is left. Returns how many it killed.
 */
export async function killHostProcesses(host: HostProcessSelector, timeoutMs = 10_000): Promise<number> {
  const killed = new Set<number>();
  const done = await poll(
    () => {
      const pids = hostProcesses(host);
      if (pids.length === 0) return true;
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
          killed.add(pid);
        } catch {
          // gone already
        }
      }
      return undefined;
    },
    timeoutMs,
    50,
  );
  if (!done)
    throw new Error(`processes of ${host.netnsPath} still alive after SIGKILL: ${hostProcesses(host)}`);
  return killed.size;
}

/**
 * Removes the host engine's cgroup parent in every controller, deepest first. A killed task
 * leaves its cgroup a moment after it dies, so a busy directory is tried again briefly.
 */
export async function removeCgroups(parent: string, timeoutMs = 5000): Promise<void> {
  const dirs: string[] = [];
  const walk = (dir: string) => {
    let entries: string[];
    try {
      entries = readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name);
    } catch {
      return;
    }
    for (const e of entries) walk(join(dir, e));
    dirs.push(dir);
  };
  let controllers: string[] = [];
  try {
    controllers = readdirSync('/sys/fs/cgroup');
  } catch {
    return;
  }
  for (const c of controllers) walk(join('/sys/fs/cgroup', c, parent));
  const left = await poll(() => {
    for (const d of dirs) {
      try {
        rmdirSync(d);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return undefined;
      }
    }
    return true;
  }, timeoutMs);
  if (!left) throw new Error(`cgroup ${parent} still busy after ${timeoutMs} ms`);
}
