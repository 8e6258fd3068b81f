/**
 * What the reconciler remembers of its self-healing, per slot, in memory (a restarted agent
 * starts afresh, as the engine's count starts afresh with a new container):
 *  - which slots had a container after the last pass, so that one gone at the next pass,
 *    though this agent did not remove it, counts as removed by hand (`vanished`, which the
 *    planner makes again unless the service says `x-fizz: { recreate_removed: false }`);
 *  - how often it healed each slot (unhealthy restarts, recreations after a removal by
 *    hand): the Fizz part of `fizz ps`'s restart count.
 */

import { REMOVED_BY_HAND } from '../reconcile/index.js';
import type { Action, DesiredSlot } from '../reconcile/types.js';
import { type ContainerInfo, LABELS, slotKey } from '../runtime/types.js';

export class HealBook {
  private present = new Set<string>();
  private readonly gone = new Set<string>();
  private readonly heals = new Map<string, number>();
  /** The slots with a container at the start of the pass under way. */
  private have = new Set<string>();

  /**
   * At the start of a pass: marks owned slots whose container is gone since the last pass,
   * and forgets those an `up`/`start` names (`rerun`: projects, `project/service`s or slot
   * keys), that have a container again, or that are no longer owned.
   */
  begin(actual: ContainerInfo[], owned: DesiredSlot[], rerun: Set<string>): void {
    this.have = new Set();
    for (const c of actual) {
      const ref = c.labels[LABELS.oneoff] === undefined ? slotRefOf(c) : undefined;
      if (ref) this.have.add(ref);
    }
    const ownedKeys = new Set(owned.map((d) => slotKey(d.slot)));
    for (const key of this.present) if (!this.have.has(key) && ownedKeys.has(key)) this.gone.add(key);
    for (const key of this.gone) {
      const [project, service] = key.split('/');
      const named = rerun.has(key) || rerun.has(project!) || rerun.has(`${project}/${service}`);
      if (named || this.have.has(key) || !ownedKeys.has(key)) this.gone.delete(key);
    }
    for (const key of this.heals.keys()) if (!ownedKeys.has(key)) this.heals.delete(key);
  }

  /** Slots whose container was removed by hand (the planner's `vanished`). */
  vanished(): Set<string> {
    return new Set(this.gone);
  }

  /** At the end of a pass: what it did (`done` and `failed` slot keys, the executor's). */
  end(actions: Action[], done: Set<string>, failed: Set<string>): void {
    for (const a of actions) {
      if (a.kind === 'remove' || !done.has(slotKey(a.slot.slot))) continue;
      const key = slotKey(a.slot.slot);
      this.have.add(key);
      if (a.kind === 'restart' || (a.kind === 'create' && a.reason === REMOVED_BY_HAND))
        this.heals.set(key, (this.heals.get(key) ?? 0) + 1);
    }
    // A slot whose recreate failed half-way (removed, not made) was not removed by hand.
    for (const key of failed) this.have.delete(key);
    this.present = this.have;
  }

  /** How often this agent healed the slot. */
  count(key: string): number {
    return this.heals.get(key) ?? 0;
  }
}

export function slotRefOf(c: ContainerInfo): string | undefined {
  const project = c.labels[LABELS.project];
  const service = c.labels[LABELS.service];
  const replica = Number(c.labels[LABELS.slot]);
  if (!project || !service || !Number.isInteger(replica)) return undefined;
  return slotKey({ project, service, replica });
}
