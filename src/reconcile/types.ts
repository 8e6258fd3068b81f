/** Inputs and output of the reconcile planner: plain data in, a list of actions out. */
import type { ServiceSpec } from '../compose/types.js';
import type { ContainerInfo, SlotRef } from '../runtime/types.js';

/** A slot this node owns, with what its container must be. */
export interface DesiredSlot {
  slot: SlotRef;
  spec: ServiceSpec;
  /** Hash of everything that shapes the container; a different hash means recreate. */
  specHash: string;
  /** Container name to use when creating. */
  name: string;
  /** `false` when the user stopped the service (`fizz stop`): keep the container, stopped. */
  running: boolean;
  /** The node where the project was first brought up (node-local resources pin to it). */
  origin?: string;
}

export type Action =
  /** Create (and then start, when `start`) the container of a slot that has none. */
  | { kind: 'create'; slot: DesiredSlot; start: boolean; reason: string }
  /** Start an existing, stopped container that matches its spec. */
  | { kind: 'start'; slot: DesiredSlot; container: ContainerInfo; reason: string }
  /** Stop a running container that must stay but not run. */
  | { kind: 'stop'; slot: DesiredSlot; container: ContainerInfo; reason: string }
  /** Remove a container no owned slot wants: surplus twin, removed service, slot moved away. */
  | { kind: 'remove'; container: ContainerInfo; reason: string }
  /** Replace a container whose spec hash differs (or that is unhealthy past its back-off). */
  | { kind: 'recreate'; slot: DesiredSlot; container: ContainerInfo; reason: string }
  /** Restart a container in place (unhealthy, with back-off decided by the caller). */
  | { kind: 'restart'; slot: DesiredSlot; container: ContainerInfo; reason: string };

export interface PlanInput {
  /** The slots this node owns. */
  owned: DesiredSlot[];
  /** Fizz-labelled containers the runtime reports on this node (every project). */
  actual: ContainerInfo[];
  /** Projects this node manages: containers of other projects are left alone. */
  projects: Set<string>;
  /** Slots (slotKey) whose unhealthy container may be restarted now (back-off elapsed). */
  restartAllowed?: Set<string>;
  /**
   * Slots whose exited container is started again even though its restart policy would
   * leave it ended (`fizz up`, `fizz start`): a slot key, `project/service`, or a project.
   */
  rerunExited?: Set<string>;
  /**
   * Slots whose container is recreated even though its spec hash is current (`fizz up
   * --force-recreate`): a slot key, `project/service`, or a project, as for `rerunExited`.
   */
  forceRecreate?: Set<string>;
  /**
   * Containers (ids) the user ended with `fizz kill`: left exited whatever their restart
   * policy, as the engine leaves a container killed by hand, until `rerunExited` names
   * their slot (`fizz up`, `fizz start`).
   */
  heldExited?: Set<string>;
  /**
   * Slots (slotKey) this node no longer owns but whose container it keeps until the new
   * owner runs the replica (make-before-break): left as they are.
   */
  keep?: Set<string>;
  /**
   * Slots (slotKey) replaced start-first in a rolling update: a slot with no container at
   * its spec hash gets a second container (named `DesiredSlot.name`, which the caller makes
   * differ from the old one's) instead of a recreate; the old one stays.
   */
  startFirst?: Set<string>;
  /** Containers (ids) of a start-first slot kept beside its new container until that one is ready. */
  keepTwins?: Set<string>;
  /**
   * Slots (slotKey) whose container was there at an earlier pass and is gone though this
   * node did not remove it (removed by hand): made again unless the service turns that off.
   */
  vanished?: Set<string>;
  /** In a cluster a service with no restart policy runs under `any` (see restartsWhenExited). */
  clustered?: boolean;
}
