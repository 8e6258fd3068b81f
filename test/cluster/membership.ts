/**
 * Forming the Fizz cluster over the hosts, through the CLI alone: `fizz init` on the first,
 * `fizz join` on the others with the token init printed, then `fizz nodes --format json` on
 * the first until every host is an alive member. The only part of the harness that depends on
 * Fizz's cluster commands.
 */
import type { HostLayout } from './layout.js';
import { poll, type Run } from './sh.js';

/** Runs argv on a host (in its namespace, with its environment). */
export type HostExec = (host: HostLayout, argv: string[], timeoutMs?: number) => Promise<Run>;

/** A row of `fizz nodes --format json` (the fields the harness reads). */
export interface NodeView {
  name: string;
  id?: string;
  address?: string;
  state: 'alive' | 'suspect' | 'dead' | 'left' | string;
}

export class MembershipError extends Error {
  override name = 'MembershipError';
}

/** The token of the `fizz join <addr> --token <TOKEN>` line that `fizz init` prints. */
export function parseJoinToken(initStdout: string): string | undefined {
  return /fizz join \S+ --token (\S+)/.exec(initStdout)?.[1];
}

export function parseNodes(json: string): NodeView[] {
  const rows = JSON.parse(json) as unknown;
  if (!Array.isArray(rows)) throw new MembershipError('fizz nodes --format json: not an array');
  return rows.map((r) => {
    const o = r as Record<string, unknown>;
    return { name: String(o.name), id: o.id as string, address: o.address as string, state: String(o.state) };
  });
}

/** One host's view of the membership, or undefined when it cannot say (agent down, no command). */
export async function nodesView(h: HostLayout, exec: HostExec): Promise<NodeView[] | undefined> {
  const r = await exec(h, ['fizz', 'nodes', '--format', 'json'], 10_000);
  if (r.code !== 0) return undefined;
  try {
    return parseNodes(r.stdout);
  } catch {
    return undefined;
  }
}

/** Whether this checkout's CLI has the cluster commands yet (they are being written on main). */
export async function clusterCommandsAvailable(h: HostLayout, exec: HostExec): Promise<boolean> {
  const r = await exec(h, ['fizz', 'init', '--help'], 10_000);
  return r.code === 0 && /--listen/.test(r.stdout);
}

function failed(what: string, r: Run): MembershipError {
  return new MembershipError(`${what} exited ${r.code}: ${(r.stderr || r.stdout).trim().slice(0, 1000)}`);
}

/** `fizz init` on the first host and `fizz join` on the others (in parallel); returns the token. */
export async function formCluster(
  hosts: HostLayout[],
  exec: HostExec,
  progress: (line: string) => void,
): Promise<string> {
  const [first, ...rest] = hosts;
  if (!first) throw new MembershipError('no hosts');
  const init = await exec(first, ['fizz', 'init', '--listen', first.listen, '--name', first.name], 60_000);
  if (init.code !== 0) throw failed(`${first.name}: fizz init`, init);
  const token = parseJoinToken(init.stdout);
  if (!token)
    throw new MembershipError(
      `${first.name}: fizz init printed no 'fizz join … --token …' line:\n${init.stdout}`,
    );
  progress(`${first.name}: cluster initialised on ${first.listen}`);
  await Promise.all(
    rest.map(async (h) => {
      const argv = ['fizz', 'join', first.listen, '--token', token, '--listen', h.listen, '--name', h.name];
      const r = await exec(h, argv, 60_000);
      if (r.code !== 0) throw failed(`${h.name}: fizz join`, r);
      progress(`${h.name}: joined ${first.listen}`);
    }),
  );
  return token;
}

/** Polls `fizz nodes` on `observer` until each of `names` is listed as alive. */
export async function waitAllAlive(
  observer: HostLayout,
  names: string[],
  exec: HostExec,
  timeoutMs = 60_000,
): Promise<NodeView[]> {
  let last: NodeView[] | undefined;
  const ok = await poll(
    async () => {
      last = await nodesView(observer, exec);
      const aliveNames = new Set(last?.filter((n) => n.state === 'alive').map((n) => n.name));
      return names.every((n) => aliveNames.has(n)) ? last : undefined;
    },
    timeoutMs,
    250,
  );
  if (!ok)
    throw new MembershipError(
      `${observer.name} does not see ${names.join(', ')} all alive after ${timeoutMs} ms; it sees: ` +
        (last ? last.map((n) => `${n.name}:${n.state}`).join(' ') : 'nothing (fizz nodes failed)'),
    );
  return ok;
}
