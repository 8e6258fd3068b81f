/**
 * Containers of another Fizz agent: agents of different FIZZ_HOMEs (root and a user, say)
 * may share one engine, and each acts only on what it made (`fizz.node` holds the maker's
 * node id). A container of a project that names a node neither this one nor a member of
 * this agent's cluster state is another agent's: never touched, and named to the user when
 * it is in the way of a same-named project.
 */
import type { ClusterState } from '../../crdt/index.js';
import { type ContainerInfo, LABELS, type Runtime } from '../runtime/types.js';

export async function foreignContainers(
  runtime: Pick<Runtime, 'list'>,
  state: Pick<ClusterState, 'nodeStatuses'>,
  nodeId: string,
  project: string,
): Promise<ContainerInfo[]> {
  const members = state.nodeStatuses();
  return (await runtime.list(project)).filter((c) => {
    const node = c.labels[LABELS.node];
    return node !== nodeId && (node === undefined || !members.has(node));
  });
}

/** What to tell the user about another agent's containers of a same-named project. */
export function foreignMessage(project: string, found: ContainerInfo[]): string {
  const nodes = [...new Set(found.map((c) => c.labels[LABELS.node] ?? 'unknown'))].join(', ');
  const names = found.map((c) => c.name).join(', ');
  return `project "${project}" on this engine belongs to another Fizz agent (node ${nodes}, another FIZZ_HOME; containers: ${names}): this agent leaves it alone; use another project name (-p) or that agent's FIZZ_HOME`;
}
