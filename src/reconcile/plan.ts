/**
 * The reconcile planner: the slots this node owns against the containers it has, to a
 * list of actions. Pure: same input, same actions, in the same order.
 */
import type { ServiceSpec } from '../compose/types.js';
import type { ContainerInfo } from '../runtime/types.js';
import { keyOf, LABEL, slotOfLabels } from './labels.js';
import { selfHealing } from './self-heal.js';
import type { Action, DesiredSlot, PlanInput } from './types.js';

/** Actions are returned in this order, so names and ports are freed before they are reused. */
const KIND_ORDER: Record<Action['kind'], number> = {
  remove: 0,
  stop: 1,
  recreate: 2,
  create: 3,
  start: 4,
  restart: 5,
};

/** The reason of a `create` that makes again a container removed behind the agent's back. */
export const REMOVED_BY_HAND = 'removed by hand';

const ALIVE_STATES = new Set(['running', 'restarting', 'paused']);

/** A container counts as running for the planner (a paused or restarting one is not stopped). */
export function isUp(c: ContainerInfo): boolean {
  return ALIVE_STATES.has(c.state);
}

/**
 * Whether an exited container of a slot that should run is started again without being
 * asked: only under `restart: always`/`unless-stopped` (or `deploy.restart_policy:
 * any`). A one-shot container that ended under `restart: no` or `on-failure` stays ended,
 * as its policy says; the engine itself retries `on-failure`. In a cluster
 * (`swarmDefault`), a service that names no policy runs under `any`, as a Swarm service
 * does: a replica whose host crashed is started again when the host comes back.
 */
export function restartsWhenExited(spec: ServiceSpec, swarmDefault = false): boolean {
  const condition = spec.deploy?.restart_policy?.condition;
  if (condition !== undefined) return condition === 'any';
  if (spec.restart === undefined) return swarmDefault;
  return spec.restart === 'always' || spec.restart === 'unless-stopped';
}

/** Keeper order: up before not, then oldest, then smallest id. */
function keeperOrder(a: ContainerInfo, b: ContainerInfo): number {
  const up = Number(isUp(b)) - Number(isUp(a));
  if (up !== 0) return up;
  if (a.createdAt !== b.createdAt) return a.createdAt - b.createdAt;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Whether `set` names the slot, its service (`project/service`) or its project. */
function namesSlot(set: Set<string> | undefined, slot: DesiredSlot): boolean {
  if (!set) return false;
  const { project, service } = slot.slot;
  return set.has(keyOf(slot.slot)) || set.has(`${project}/${service}`) || set.has(project);
}

function startExited(want: DesiredSlot, c: ContainerInfo): Action {
  return { kind: 'start', slot: want, container: c, reason: `exited (code ${c.exitCode ?? '?'})` };
}

/** What to do with the one container kept for a slot. */
function keeperAction(input: PlanInput, want: DesiredSlot, c: ContainerInfo): Action | undefined {
  const key = keyOf(want.slot);
  if (c.labels[LABEL.specHash] !== want.specHash)
    return { kind: 'recreate', slot: want, container: c, reason: 'spec changed' };
  if (namesSlot(input.forceRecreate, want))
    return { kind: 'recreate', slot: want, container: c, reason: 'recreate forced' };
  if (!want.running) {
    return isUp(c) ? { kind: 'stop', slot: want, container: c, reason: 'service stopped' } : undefined;
  }
  switch (c.state) {
    case 'running':
      if (
        c.health === 'unhealthy' &&
        input.restartAllowed?.has(key) &&
        selfHealing(want.spec).restartUnhealthy
      )
        return { kind: 'restart', slot: want, container: c, reason: 'unhealthy' };
      return undefined;
    case 'created':
      return { kind: 'start', slot: want, container: c, reason: 'created, not started' };
    case 'exited':
      if (namesSlot(input.rerunExited, want)) return startExited(want, c);
      if (restartsWhenExited(want.spec, input.clustered) && !input.heldExited?.has(c.id))
        return startExited(want, c);
      return undefined;
    case 'dead':
      return { kind: 'recreate', slot: want, container: c, reason: 'container dead' };
    default:
      // paused (the user paused it) and restarting (the engine is on it): leave alone.
      return undefined;
  }
}

/**
 * Plans the actions that bring this node's containers to its owned slots:
 * - a slot with no container gets `create` (started when it should run);
 * - of several containers of one slot (twins) the one to keep is the running one with
 *   the current spec hash, oldest first; the rest are removed;
 * - a kept container with another hash is recreated; one that should run and is only
 *   created is started; an exited one is started again only under a restart policy that
 *   would do so (or when listed in `rerunExited`); one that should not run is stopped;
 * - an unhealthy running one is restarted only when its slot is in `restartAllowed` and its
 *   service's `x-fizz` does not say `restart_unhealthy: false`;
 * - a slot in `vanished` (its container was removed by hand) gets its container again
 *   unless its service says `recreate_removed: false`; then only an `up` or `start` naming
 *   it (`rerunExited`) makes it again;
 * - a container of a managed project whose slot this node does not own is removed, unless
 *   `keep` names its slot (a move waiting for the new owner);
 * - containers of other projects, one-off containers (`fizz run`) and containers being
 *   removed are never touched.
 * The managed projects are `input.projects` and the projects of the owned slots.
 */
export function plan(input: PlanInput): Action[] {
  const managed = new Set(input.projects);
  const wanted = new Map<string, DesiredSlot>();
  for (const d of input.owned) {
    managed.add(d.slot.project);
    const key = keyOf(d.slot);
    if (!wanted.has(key)) wanted.set(key, d);
  }

  const actions: Action[] = [];
  const bySlot = new Map<string, ContainerInfo[]>();
  const busySlots = new Set<string>();
  const ownedServices = new Set([...wanted.values()].map((d) => `${d.slot.project}/${d.slot.service}`));

  for (const c of input.actual) {
    const project = c.labels[LABEL.project];
    if (project === undefined || !managed.has(project)) continue;
    // A `fizz run` container serves no slot on purpose: it is the user's until it exits.
    if (c.labels[LABEL.oneoff] !== undefined) continue;
    const ref = slotOfLabels(c.labels);
    if (c.state === 'removing') {
      if (ref) busySlots.add(keyOf(ref));
      continue;
    }
    if (!ref || ref.project !== project) {
      actions.push({ kind: 'remove', container: c, reason: 'labels name no slot' });
      continue;
    }
    const key = keyOf(ref);
    if (!wanted.has(key) && input.keep?.has(key)) continue;
    if (!wanted.has(key)) {
      const why = ownedServices.has(`${ref.project}/${ref.service}`)
        ? 'replica not owned by this node'
        : 'service not wanted on this node';
      actions.push({ kind: 'remove', container: c, reason: why });
      continue;
    }
    const list = bySlot.get(key);
    if (list) list.push(c);
    else bySlot.set(key, [c]);
  }

  for (const [key, want] of wanted) {
    const found = bySlot.get(key) ?? [];
    if (found.length === 0) {
      // A container of this slot is being removed: wait for it, its name is still taken.
      if (busySlots.has(key)) continue;
      if (input.vanished?.has(key) && !namesSlot(input.rerunExited, want)) {
        if (selfHealing(want.spec).recreateRemoved)
          actions.push({ kind: 'create', slot: want, start: want.running, reason: REMOVED_BY_HAND });
        continue;
      }
      actions.push({ kind: 'create', slot: want, start: want.running, reason: 'missing' });
      continue;
    }
    const matching = found.filter((c) => c.labels[LABEL.specHash] === want.specHash).sort(keeperOrder);
    // Start-first: the new container comes up beside the old one, which goes once it is ready.
    if (matching.length === 0 && input.startFirst?.has(key) && want.running && found.some(isUp)) {
      actions.push({ kind: 'create', slot: want, start: true, reason: 'rolling update (start-first)' });
      continue;
    }
    const keeper = matching[0] ?? [...found].sort(keeperOrder)[0]!;
    for (const c of found) {
      if (c === keeper || input.keepTwins?.has(c.id)) continue;
      actions.push({ kind: 'remove', container: c, reason: 'surplus twin of its slot' });
    }
    const act = keeperAction(input, want, keeper);
    if (act) actions.push(act);
  }

  return actions.sort(actionOrder);
}

function actionKey(a: Action): string {
  return a.kind === 'remove'
    ? `${a.container.labels[LABEL.project] ?? ''}\u0000${a.container.id}`
    : keyOf(a.slot.slot);
}

function actionOrder(a: Action, b: Action): number {
  const k = KIND_ORDER[a.kind] - KIND_ORDER[b.kind];
  if (k !== 0) return k;
  const ka = actionKey(a);
  const kb = actionKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
