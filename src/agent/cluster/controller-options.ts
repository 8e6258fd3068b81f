/** What a ClusterController is built from, and what `fizz init` and `fizz join` ask and answer (controller.ts). */
import type { Store } from '../../../crdt/index.js';
import type { Logger } from '../logger.js';
import type { ClusterNode, ClusterNodeOptions } from '../membership/cluster-node.js';
import type { TieRule } from './config.js';

export interface ClusterControllerOptions {
  home: string;
  nodeId: string;
  store: Store;
  logger: Logger;
  /** Called when whom to place over may have changed. */
  onChange: () => void;
  /** How long `join` waits for the seeds to answer, ms (default 15 s). */
  joinTimeoutMs?: number;
  /** SWIM and network knobs, for tests. */
  nodeOptions?: Partial<ClusterNodeOptions>;
  /** Called with each membership node once it runs (the agent serves its protocols on it). */
  onNode?: (node: ClusterNode) => Promise<void>;
  /** Wall clock for token expiry (default Date.now). */
  clock?: () => number;
  /** mDNS (mdns.ts): false turns the responder and the joiner's query off; a port for tests. */
  mdns?: false | { port?: number; group?: string };
}

export interface InitRequest {
  address?: string;
  name?: string;
  tie?: TieRule;
  labels?: Record<string, string>;
}

export interface JoinRequest extends Omit<InitRequest, 'tie'> {
  peer?: string;
  token: string;
}

export interface JoinResult {
  name: string;
  address: string;
  token: string;
  tie: TieRule;
  members: number;
}
