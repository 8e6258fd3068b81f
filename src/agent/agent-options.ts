/** What an Agent is built from: every collaborator is handed in (agent.ts). */
import type { ClusterState } from '../../crdt/index.js';
import type { ClusterHandlers } from '../api/cluster-api.js';
import type { PsEntry } from '../api/protocol.js';
import type { ObjectHandlers } from '../api/secrets-api.js';
import type { ProjectSpec } from '../compose/types.js';
import type { PlacementMember } from '../placement/types.js';
import type { ObjectVersion } from '../reconcile/index.js';
import type { Runtime } from '../runtime/types.js';
import type { Clock } from './clock.js';
import type { DownJournal } from './down-journal.js';
import type { ServiceNetView } from './inspect.js';
import type { Logger } from './logger.js';
import type { PlaceFn } from './ownership.js';
import type { ImageCommands } from './p2p-images/push.js';
import type { ProjectFiles } from './project-files.js';
import type { ReconcilerOptions } from './reconciler.js';
import type { RecreateJournal } from './recreate-journal.js';
import type { StateTrust } from './trust.js';

export interface AgentOptions {
  nodeId: string;
  home: string;
  version: string;
  state: ClusterState;
  /** Resolves once every change made to `state` so far is on disk. */
  flush: () => Promise<void>;
  runtime: Runtime;
  clock: Clock;
  logger: Logger;
  tickMs?: number;
  pollMs?: number;
  dependencyTimeoutMs?: number;
  waitTimeoutMs?: number;
  backoffBaseMs?: number;
  backoffCapMs?: number;
  random?: () => number;
  place: PlaceFn;
  /** `logs -f`: relist the project's containers at least this often, ms (default 2000). */
  logsRelistMs?: number;
  /** `logs -f` ends once nothing of the project has run for this long, ms (default 5000). */
  logsIdleMs?: number;
  /** Unfinished `fizz down`s, finished by `run()` (default: in memory only). */
  downs?: DownJournal;
  /**
   * Fault injection for the crash tests: called at named points of an operation (only
   * `down-after-containers` so far). The daemon kills itself there when asked to by
   * FIZZ_TEST_CRASH_AT; nothing else sets it.
   */
  faultPoint?: (point: 'down-after-containers') => void;
  /** The compose files of each project, for `fizz ls` (default: in memory only). */
  projectFiles?: ProjectFiles;
  /** The members placement runs over (default: this node alone). */
  members?: () => PlacementMember[];
  /** Whether this node is in a cluster. */
  clustered?: () => boolean;
  /** Passed to the reconciler (ReconcilerOptions.statusExtra). */
  statusExtra?: ReconcilerOptions['statusExtra'];
  /** `fizz image ls` and `fizz image push` (p2p-images/push.ts). */
  imageCommands?: Pick<ImageCommands, 'list' | 'push'>;
  /** Passed to the reconciler (ReconcilerOptions.peerImages). */
  peerImages?: ReconcilerOptions['peerImages'];
  /** This node's human name (`fizz ps`'s NODE column). */
  nodeName?: () => string | undefined;
  /** The mesh's view of services: `fizz inspect`'s endpoints, where published ports answer. */
  serviceNet?: ServiceNetView;
  /** `fizz ps` rows of the replicas other nodes run. */
  remotePs?: (project: string | undefined, all: boolean) => PsEntry[];
  /** The cluster routes (init, join, nodes, …). */
  cluster?: ClusterHandlers;
  /** `fizz secret` / `fizz config create` routes, and what `up` does to seal them (secrets/). */
  objects?: ObjectHandlers & {
    seal: (spec: ProjectSpec, previous: ProjectSpec | undefined) => Promise<ProjectSpec>;
    version: ObjectVersion;
  };
  /** Node id → name of the nodes placement may use (in a cluster). */
  memberNames?: () => Map<string, string>;
  /** Whether the state may be acted on (default: trusted), and what to tell the user; see trust.ts. */
  trust?: StateTrust;
  /** Unfinished `up --force-recreate`s, finished by `run()` (default: in memory only). */
  recreates?: RecreateJournal;
  /** Passed to the reconciler (ReconcilerOptions.onPass: metrics). */
  onPass?: ReconcilerOptions['onPass'];
}
