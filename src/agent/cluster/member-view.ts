/**
 * Whom placement runs over (quorum.ts): the stable member view, shrunk only once the members
 * seen have held still for SETTLE_MS, kept in FIZZ_HOME (stable-view.ts) so a restarted node
 * keeps it. Members the cluster agreed are gone lose their status entries.
 */
import type { ClusterState } from '../../../crdt/index.js';
import type { PlacementMember } from '../../placement/types.js';
import type { Logger } from '../logger.js';
import type { TieRule } from './config.js';
import { type QuorumView, quorum, sameView } from './quorum.js';
import { readStableView, writeStableView } from './stable-view.js';

/** How long the members seen must hold still before the stable view shrinks (quorum.ts). */
export const SETTLE_MS = 10_000;

export interface MemberViewOptions {
  home: string;
  nodeId: string;
  state: ClusterState;
  logger: Logger;
  now: () => number;
}

export class MemberView {
  private stable: PlacementMember[];
  /** The members seen (with their status) and since when, for `settled` (quorum.ts). */
  private seen = { key: '', since: 0 };

  constructor(private readonly o: MemberViewOptions) {
    this.stable = readStableView(o.home);
  }

  /**
   * The view over `members` (a removed node, in `denied`, is no member of any view, even while
   * it still talks); persists the stable view when it changes.
   */
  of(all: PlacementMember[], denied: Set<string>, tie: TieRule): QuorumView {
    const members = all.filter((m) => !denied.has(m.id));
    // The view may shrink only once the members seen have held still for SETTLE_MS.
    const seenKey = members
      .filter((m) => m.status === 'alive' || m.status === 'suspect')
      .map((m) => `${m.id}:${m.status}`)
      .sort()
      .join(' ');
    const now = this.o.now();
    if (seenKey !== this.seen.key) this.seen = { key: seenKey, since: now };
    const v = quorum({
      stable: this.stable.filter((m) => !denied.has(m.id)),
      members,
      tie,
      settled: now - this.seen.since >= SETTLE_MS,
    });
    if (!sameView(v.stable, this.stable)) {
      // Members the cluster agreed are gone: their status entries go too, so the state does
      // not grow with every node that ever was (a node that comes back writes its own again).
      const kept = new Set(v.stable.map((m) => m.id));
      for (const m of this.stable)
        if (!kept.has(m.id) && m.id !== this.o.nodeId) this.o.state.removeNodeStatus(m.id);
      this.stable = v.stable;
      try {
        writeStableView(this.o.home, v.stable);
      } catch (err) {
        this.o.logger.warn({ err: (err as Error).message }, 'stable member view not written');
      }
    }
    return v;
  }

  /** `fizz node rm`: the node leaves the stable view at once. */
  drop(id: string): void {
    this.stable = this.stable.filter((m) => m.id !== id);
  }

  /** `fizz leave`: the view is forgotten, on disk too. */
  clear(): void {
    this.stable = [];
    writeStableView(this.o.home, []);
  }
}
