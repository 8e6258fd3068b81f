/**
 * The dashboard's data, from what the agent already has: the cluster routes' `nodes`, `ps -a`
 * (this node's containers and the visible nodes' status entries), the desired replica counts
 * of the state and placement's unplaced slots; the events from the agent's event log.
 */
import type { ClusterState } from '../../../crdt/index.js';
import type { NodesResponse } from '../../api/cluster-api.js';
import type { PsEntry } from '../../api/protocol.js';
import type { ProjectSpec } from '../../compose/types.js';
import { replicaCount } from '../../reconcile/index.js';
import type { Agent } from '../agent.js';
import { engineHelp } from '../reconciler.js';
import type { DashboardSource } from './live.js';
import { buildSnapshot, type SnapshotInput } from './snapshot.js';

/** Every service of every project in the state, with its replica count and stop mark. */
export function desiredServices(state: ClusterState): SnapshotInput['desired'] {
  return state.listProjects().flatMap((project) => {
    const spec = state.getProject(project) as ProjectSpec | undefined;
    return Object.entries(spec?.services ?? {}).map(([service, svc]) => ({
      project,
      service,
      replicas: replicaCount(svc, state.getScale(project, service)),
      stopped: state.isServiceStopped(project, service),
    }));
  });
}

export function agentSource(agent: Agent, state: ClusterState): DashboardSource {
  return {
    events: agent.events,
    async snapshot() {
      const errors: string[] = [];
      const nodes: NodesResponse = agent.cluster
        ? await agent.cluster.nodes()
        : { clustered: false, majority: true, nodes: [] };
      let containers: PsEntry[] = [];
      try {
        containers = (await agent.ps(undefined, true)).containers;
      } catch (err) {
        errors.push(`the replicas are not shown: ${engineHelp(err)}`);
      }
      return buildSnapshot({
        nodes,
        containers,
        desired: desiredServices(state),
        unplaced: agent.reconciler.unplaced,
        errors,
      });
    },
  };
}
