/**
 * What a container runtime reports and accepts, as plain data. Shared by the runtime
 * implementations (DockerRuntime, FakeRuntime), the pure reconcile planner and the agent.
 */
import type { ServiceSpec } from '../compose/types.js';

/** Labels every container Fizz makes carries; an agent adopts containers by them. */
export const LABELS = {
  project: 'fizz.project',
  service: 'fizz.service',
  /** The replica index, as a decimal string. */
  slot: 'fizz.slot',
  specHash: 'fizz.spec-hash',
  /** The node id of the agent that created it. */
  node: 'fizz.node',
  /** Compose's own labels, so `docker compose ps` users recognise the containers. */
  composeProject: 'com.docker.compose.project',
  composeService: 'com.docker.compose.service',
  composeNumber: 'com.docker.compose.container-number',
} as const;

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';
export type HealthState = 'none' | 'starting' | 'healthy' | 'unhealthy';

export interface PublishedPort {
  target: number;
  published?: number;
  protocol: string;
  hostIp?: string;
}

/** A container as the runtime observes it. */
export interface ContainerInfo {
  id: string;
  name: string;
  image: string;
  labels: Record<string, string>;
  state: ContainerState;
  health: HealthState;
  exitCode?: number;
  /** ms since the epoch */
  createdAt: number;
  /** ms since the epoch, when running */
  startedAt?: number;
  ports: PublishedPort[];
}

/** The identity of one replica: `(project, service, replica index)`. */
export interface SlotRef {
  project: string;
  service: string;
  replica: number;
}

/** Everything needed to create the container of one slot. */
export interface CreateRequest {
  slot: SlotRef;
  /** Container name, e.g. `<project>-<service>-<replica+1>` like docker compose. */
  name: string;
  spec: ServiceSpec;
  /** The hash stored in the `fizz.spec-hash` label. */
  specHash: string;
  /** Engine-level network names to join, with aliases (the service name at least). */
  networks: Array<{ name: string; aliases: string[] }>;
  /** Engine-level names of named volumes, by the project-level key used in `spec.volumes[].source`. */
  volumeNames: Record<string, string>;
  /** Extra labels (node id etc.), merged over the service's own. */
  labels: Record<string, string>;
}

export function slotKey(slot: SlotRef): string {
  return `${slot.project}/${slot.service}/${slot.replica}`;
}
