import type { NodeMeta } from './metadata.js';

/** A member's state as this node sees it. */
export const MemberState = {
  Alive: 0,
  Suspect: 1,
  Dead: 2,
  Left: 3,
} as const;
export type MemberState = (typeof MemberState)[keyof typeof MemberState];

export const STATE_NAMES = ['alive', 'suspect', 'dead', 'left'] as const;
export type MemberStateName = (typeof STATE_NAMES)[number];

/** A read-only view of one member, handed to callers and events. */
export interface Member {
  name: string;
  address: string;
  incarnation: number;
  state: MemberStateName;
  meta: NodeMeta;
}

/** The typed events of a node. */
export interface SwimEvents {
  /** A member appeared, or came back after being dead or having left. */
  join: [Member];
  /** A member's metadata or address changed. */
  update: [Member];
  /** A member is suspected of having failed. */
  suspect: [Member];
  /** A suspected member refuted the suspicion. */
  alive: [Member];
  /** A member was confirmed dead. */
  dead: [Member];
  /** A member left gracefully. */
  leave: [Member];
  /** A dead or left member was removed from the member list (`gossipToTheDeadTime` after). */
  reap: [Member];
}

/**
 * Why an incoming packet, stream or message was dropped. `forged`: an alive whose metadata
 * is not signed by the member it names (signer.ts); `stale`: an alive at an incarnation
 * older than the one held (a replay, or an update overtaken in flight).
 */
export type DropReason = 'auth' | 'cluster' | 'version' | 'decode' | 'forged' | 'stale';

/** A logger handed in; swim/ never writes to the console. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export const silentLogger: Logger = {
  debug() {},
  warn() {},
};
