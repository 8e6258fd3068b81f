/**
 * The replicas this node owns but cannot make for want of their image, with the reason
 * ("pulling image from h2 (40%)", "image x: … no node of the cluster has it"). Written in the
 * node's status entry so `fizz ps` on any node lists them as pending; forgotten once the
 * replica has its container or is no longer this node's.
 */
import type { NodeStatus } from '../../crdt/index.js';

export type Waiting = NonNullable<NodeStatus['waiting']>;

/** At most this many are written: a service of many replicas is not a big status entry. */
const MAX_WAITING = 64;

export class ImageWaits {
  private readonly bySlot = new Map<string, string>();

  set(slots: readonly string[], reason: string): void {
    for (const s of slots) this.bySlot.set(s, reason.slice(0, 300));
  }

  /** Keeps only the slots still owned and still without a container. */
  prune(owned: ReadonlySet<string>, made: ReadonlySet<string>): void {
    for (const s of this.bySlot.keys()) if (!owned.has(s) || made.has(s)) this.bySlot.delete(s);
  }

  list(): Waiting {
    return [...this.bySlot]
      .sort((a, b) => a[0].localeCompare(b[0]))
      .slice(0, MAX_WAITING)
      .map(([slot, reason]) => ({ slot, reason }));
  }
}

/** Every node's waiting replicas, read as hostile input: the pending rows of `fizz ps`. */
export function waitingOf(
  statuses: ReadonlyMap<string, NodeStatus>,
): Array<{ slot: string; reason: string }> {
  const out: Array<{ slot: string; reason: string }> = [];
  for (const s of statuses.values()) {
    const w = (s as { waiting?: unknown }).waiting;
    if (!Array.isArray(w)) continue;
    for (const e of w.slice(0, MAX_WAITING))
      if (typeof e?.slot === 'string' && typeof e?.reason === 'string')
        out.push({ slot: e.slot, reason: e.reason.slice(0, 300) });
  }
  return out;
}
