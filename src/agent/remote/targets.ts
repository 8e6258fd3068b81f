/**
 * Which nodes a command must reach, pure: from the node status entries of the replicated
 * state (what each node says it runs) and the member list (who can be reached now).
 */
import type { NodeContainer, NodeStatus } from '../../../crdt/index.js';
import type { RemotePeer } from './ask.js';

export interface PeerEntry extends RemotePeer {
  state: 'alive' | 'suspect' | 'dead' | 'left';
}

/** Whether a node may be asked now: SWIM sees it (a suspect may only be slow). */
export const reachable = (p: PeerEntry): boolean => p.state === 'alive' || p.state === 'suspect';

/**
 * The other visible nodes whose status lists a container of `project` (of `services`, when
 * any are named). A dead node is left out: its replicas are not shown by `fizz ps` either,
 * and run elsewhere by now.
 */
export function holders(
  statuses: ReadonlyMap<string, NodeStatus>,
  peers: readonly PeerEntry[],
  project: string,
  services: readonly string[],
): PeerEntry[] {
  return peers.filter((p) => {
    if (!reachable(p)) return false;
    const s = statuses.get(p.id);
    return s?.containers.some((c) => ofProject(c, project, services)) ?? false;
  });
}

function ofProject(c: NodeContainer, project: string, services: readonly string[]): boolean {
  return c.project === project && (services.length === 0 || services.includes(c.service));
}

/**
 * The node that runs replica `index` (1-based) of a service, when it is another visible
 * node and this one does not run it; undefined: this node answers (it runs it, or nobody
 * does and its own answer says why).
 */
export function execHolder(
  statuses: ReadonlyMap<string, NodeStatus>,
  peers: readonly PeerEntry[],
  selfId: string,
  req: { project: string; service: string; index: number },
): PeerEntry | undefined {
  const runs = (id: string) =>
    statuses
      .get(id)
      ?.containers.some(
        (c) =>
          c.project === req.project &&
          c.service === req.service &&
          c.replica === req.index - 1 &&
          c.state === 'running',
      ) ?? false;
  if (runs(selfId)) return undefined;
  return peers.find((p) => reachable(p) && runs(p.id));
}

/** The peer a user names (by name, else by id); undefined when none is. */
export function peerNamed(peers: readonly PeerEntry[], node: string): PeerEntry | undefined {
  return peers.find((p) => p.name === node) ?? peers.find((p) => p.id === node);
}
