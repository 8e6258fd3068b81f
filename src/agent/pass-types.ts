/** What the reconcile loop is built from, what a pass is asked and what it answers (reconciler.ts). */
import type { ClusterState, NodeStatus } from '../../crdt/index.js';
import type { OpProgress } from '../api/protocol.js';
import type { ProjectSpec } from '../compose/types.js';
import type { PlacementMember } from '../placement/types.js';
import type { ObjectVersion } from '../reconcile/index.js';
import type { Action } from '../reconcile/types.js';
import type { ContainerInfo, Runtime, RuntimeEvent } from '../runtime/types.js';
import type { Clock } from './clock.js';
import type { ImagesRequest } from './image-stage.js';
import type { ImageServiceOptions } from './images.js';
import type { Logger } from './logger.js';
import type { PlaceFn } from './ownership.js';
import type { Rollouts } from './rollouts.js';

export interface ReconcilerOptions {
  nodeId: string;
  /** What else this node says about itself in its status entry (its mesh end). */
  statusExtra?: () => Pick<NodeStatus, 'mesh' | 'held'>;
  /** The cluster's image spread (p2p-images/): peers asked before the registry. */
  peerImages?: Pick<ImageServiceOptions, 'peers' | 'changed' | 'onImage' | 'tag'>;
  state: ClusterState;
  runtime: Runtime;
  clock: Clock;
  logger: Logger;
  /** Periodic pass, ms. */
  tickMs: number;
  /** Fallback poll while waiting for a container condition, ms. */
  pollMs: number;
  dependencyTimeoutMs: number;
  /** Back-off for failed slots and unhealthy restarts. */
  backoffBaseMs: number;
  backoffCapMs: number;
  random?: () => number;
  /** The placement function (src/placement's `place`). */
  place: PlaceFn;
  /** The members placement runs over (default: this node alone). */
  members?: () => PlacementMember[];
  /** Whether this node is in a cluster (services with no restart policy then run under `any`). */
  clustered?: () => boolean;
  /** Make-before-break gives up waiting for a new owner after this long, ms (default 60 s). */
  handoffTimeoutMs?: number;
  /**
   * How long a handed-off replica drains (reported draining, kept running) before it stops,
   * ms (default 2000): long enough for every node's mesh to stop routing to it.
   */
  handoffDrainMs?: number;
  /** Filters each pass's planned actions (keep-only while the state is not trusted, trust.ts). */
  guard?: (actions: Action[], reqs: PassRequest[]) => Action[];
  /** Versions of cluster-wide secrets and configs: a new one recreates the services using it. */
  objectVersion?: ObjectVersion;
  /** Rolling updates (rollouts.ts): which revision each owned slot runs now. */
  rollouts?: Rollouts;
  /** Each engine event of a container this node made, for the events log. */
  onEngineEvent?: (ev: RuntimeEvent) => void;
  /** Each pass's placement (slot key → node id), for the events log. */
  onPlacement?: (assignment: Map<string, string>) => void;
  /** After each pass: how long it took, what it planned, how many slots no node can take (metrics). */
  onPass?: (p: { ms: number; actions: Action[]; pending: number }) => void;
}

/** What a caller (an API operation) wants from the next pass. */
export interface PassRequest {
  /** Receives the progress of these projects. */
  watch?: { projects: string[]; emit: (event: OpProgress) => void };
  /** Exited containers to start again (`fizz up`, `fizz start`): projects or `project/service`. */
  rerunExited?: string[];
  /** Projects to manage this pass even if no container says this node made them (`fizz down`). */
  manage?: string[];
  /** Specs of projects just removed from the state, so their containers go in reverse dependency order. */
  removing?: ProjectSpec[];
  /** Containers to recreate even if their spec is unchanged (`up --force-recreate`): projects or `project/service`. */
  forceRecreate?: string[];
  /** `project/service`s started this pass without waiting for dependencies outside this list (`up --no-deps`). */
  ignoreDependencies?: string[];
  /** Grace periods by project, ms, for the containers this pass stops or removes (`-t`); overrides stop_grace_period. */
  graceMs?: Record<string, number>;
  /** `fizz up`: the images of these services are pulled or built as asked before the pass acts (image-stage.ts). */
  images?: ImagesRequest;
}

export interface PassResult {
  /** Failure lines by project. */
  errors: Map<string, string[]>;
  /** Containers created, started or restarted, by project. */
  touched: Map<string, Set<string>>;
  /** The containers as listed before the pass acted. */
  actual: ContainerInfo[];
  /** Whether the pass acted at all. */
  changed: boolean;
}

/** A pass asked of a reconciler that is stopping (the agent is shutting down). */
export class ReconcilerStoppedError extends Error {
  override readonly name = 'ReconcilerStoppedError';
  constructor() {
    super('the agent is stopping; run the command again once it is back');
  }
}

/** The text of a failure outside any one service (the runtime's own messages say how to fix them). */
export function engineHelp(err: unknown): string {
  const e = err as Error;
  return e?.message ?? String(err);
}
