/**
 * When the agent rebases the cluster state (crdt/epoch.ts). Yjs keeps an item for every value
 * a document ever overwrote, so load time and memory grow with the document's history; a
 * rebase starts a fresh epoch holding only the valid entries, and the other nodes adopt it.
 *
 * Every node runs the same rule on its own copy; nobody coordinates:
 *  - **Too big**: the history passed `maxHistory` structs (growth under steady churn).
 *  - **Quiet and grown**: the history did not change over one check but is more than
 *    `idleFactor` times what the current epoch started with, plus `idleSlack`: a burst of
 *    changes is over, so the document loads again as fast as a fresh one.
 *  - Never sooner than `minIntervalMs` after this node's epoch last changed (its own rebase
 *    or an adoption), so the previous epoch's document is kept for late changes
 *    (RETAIN_PREVIOUS_MS) until the next rebase.
 *  - A node that finds a rebase due waits a random part of `jitterMs` first: of nodes that
 *    find it due together, one usually rebases and the others adopt its epoch (anti-entropy
 *    brings it within 15 s), after which their history is small and nothing is due. Nodes
 *    that rebase at once anyway merge their epochs (docs/crdt.md), at the cost of a few
 *    copies of the entries.
 */
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';

export interface RebasePolicy {
  maxHistory: number;
  idleFactor: number;
  idleSlack: number;
  minIntervalMs: number;
  jitterMs: number;
  checkEveryMs: number;
}

export const REBASE_POLICY: RebasePolicy = {
  maxHistory: 50_000,
  idleFactor: 2,
  idleSlack: 1_000,
  minIntervalMs: 15 * 60_000,
  jitterMs: 2 * 60_000,
  checkEveryMs: 60_000,
};

/** What the rule reads of one node's state, at one check. */
export interface RebaseView {
  now: number;
  history: number;
  /** The history at the previous check (undefined at the first). */
  previousHistory: number | undefined;
  /** The history right after this epoch began here (0 before any). */
  epochHistory: number;
  /** When this node's epoch last changed (-Infinity: not since the agent started). */
  epochSince: number;
}

/** Why a rebase is due, or undefined. */
export function rebaseDue(v: RebaseView, p: RebasePolicy): 'too-big' | 'quiet' | undefined {
  if (v.now - v.epochSince < p.minIntervalMs) return undefined;
  if (v.history > p.maxHistory) return 'too-big';
  const grown = v.history > p.idleFactor * v.epochHistory + p.idleSlack;
  return grown && v.history === v.previousHistory ? 'quiet' : undefined;
}

/** The part of ClusterState a rebaser uses. */
export interface Rebasable {
  readonly epoch: number;
  historySize(): number;
  rebase(): void;
}

export interface StateRebaserOptions {
  state: Rebasable;
  clock: Clock;
  /** Floats in [0, 1): the share of `jitterMs` to wait. */
  random: () => number;
  logger: Logger;
  policy?: Partial<RebasePolicy>;
}

export class StateRebaser {
  readonly policy: RebasePolicy;
  private epoch: number;
  private epochSince = Number.NEGATIVE_INFINITY;
  private epochHistory = 0;
  private previousHistory: number | undefined;
  private dueAt: number | undefined;

  constructor(private readonly o: StateRebaserOptions) {
    this.policy = { ...REBASE_POLICY, ...o.policy };
    this.epoch = o.state.epoch;
  }

  /** One check: rebases when due and its wait is over; returns whether it did. */
  check(): boolean {
    const { state, clock } = this.o;
    const now = clock.now();
    if (state.epoch !== this.epoch) this.newEpoch(now, state.historySize());
    const history = state.historySize();
    const view = {
      now,
      history,
      previousHistory: this.previousHistory,
      epochHistory: this.epochHistory,
      epochSince: this.epochSince,
    };
    this.previousHistory = history;
    const why = rebaseDue(view, this.policy);
    if (!why) {
      this.dueAt = undefined;
      return false;
    }
    this.dueAt ??= now + this.o.random() * this.policy.jitterMs;
    if (now < this.dueAt) return false;
    state.rebase();
    const after = state.historySize();
    this.o.logger.info({ why, epoch: state.epoch, before: history, after }, 'cluster state rebased');
    this.newEpoch(now, after);
    return true;
  }

  /** Checks every `checkEveryMs` until `signal` aborts; a failed rebase is logged, not thrown. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.o.clock.sleep(this.policy.checkEveryMs, signal);
      if (signal.aborted) return;
      try {
        this.check();
      } catch (err) {
        this.o.logger.warn({ err: (err as Error).message }, 'cluster state rebase failed');
      }
    }
  }

  private newEpoch(now: number, history: number): void {
    this.epoch = this.o.state.epoch;
    this.epochSince = now;
    this.epochHistory = history;
    this.previousHistory = history;
    this.dueAt = undefined;
  }
}
