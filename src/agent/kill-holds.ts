/**
 * The containers `fizz kill` ended: as the engine does with a container killed by hand, the
 * loop does not start them again under `restart: always`, until an `up` or a `start` of
 * their service (or a `fizz restart`). Kept in memory: a restarted agent, like a restarted
 * engine, starts them again under their policy.
 */
import { type ContainerInfo, LABELS } from '../runtime/types.js';
import { slotRefOf } from './heal-book.js';

export class KillHolds {
  private readonly held = new Set<string>();

  hold(ids: string[]): void {
    for (const id of ids) this.held.add(id);
  }

  release(ids: string[]): void {
    for (const id of ids) this.held.delete(id);
  }

  /** The containers held now (a copy: the plan's `heldExited`). */
  snapshot(): Set<string> {
    return new Set(this.held);
  }

  /** Drops holds on containers gone or named by this pass's `rerunExited`. */
  releaseFor(actual: ContainerInfo[], rerun: Set<string>): void {
    const byId = new Map(actual.map((c) => [c.id, c]));
    for (const id of this.held) {
      const c = byId.get(id);
      const project = c?.labels[LABELS.project] ?? '';
      const slot = c && slotRefOf(c);
      if (
        !c ||
        rerun.has(project) ||
        rerun.has(`${project}/${c.labels[LABELS.service]}`) ||
        (slot && rerun.has(slot))
      )
        this.held.delete(id);
    }
  }
}
