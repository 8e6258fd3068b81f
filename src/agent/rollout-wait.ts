/**
 * What `fizz up` and `fizz rollback` show of a rolling update: a line per replica as it
 * runs the new spec, and the end: completed, paused (with why), or rolled back (with why).
 * They follow the rollout as this node's passes see it (rollouts.ts).
 */
import type { ClusterState } from '../../crdt/index.js';
import type { ProgressEvent } from '../api/protocol.js';
import type { ProjectSpec } from '../compose/types.js';
import { rolloutOf } from '../reconcile/revisions.js';
import type { Clock } from './clock.js';
import type { Rollouts } from './rollouts.js';

export interface AwaitRolloutsInput {
  rollouts: Rollouts;
  state: ClusterState;
  project: string;
  /** Service → the id of the rollout this operation wrote. */
  ids: Map<string, string>;
  clock: Clock;
  timeoutMs: number;
  signal: AbortSignal;
  emit: (event: ProgressEvent) => void;
  /** Asks for a pass (a wave's delay may end between other triggers). */
  kick: () => void;
}

const POLL_MS = 200;

/** Resolves with one line per service whose rollout did not complete (empty when all did). */
export async function awaitRollouts(o: AwaitRolloutsInput): Promise<string[]> {
  const errors: string[] = [];
  const pending = new Map(o.ids);
  const told = new Map<string, Set<number>>();
  const deadline = o.clock.now() + o.timeoutMs;
  let lastKick = o.clock.now();
  while (pending.size > 0) {
    const spec = o.state.getProject(o.project) as ProjectSpec | undefined;
    for (const [service, id] of [...pending]) {
      const current = spec && rolloutOf(spec, service);
      if (!current || current.id !== id) {
        // Someone wrote the service again: a rollback after a failure, or another up.
        const why =
          current?.kind === 'rollback' && current.reason ? current.reason : 'the service was changed again';
        errors.push(
          current?.kind === 'rollback'
            ? `service "${service}": the update was rolled back: ${why}`
            : `service "${service}": the update was superseded: ${why}`,
        );
        pending.delete(service);
        continue;
      }
      const seen = o.rollouts.seen.get(`${o.project}/${service}`);
      if (!seen || seen.rollout.id !== id) continue;
      const { view } = seen;
      const shown = told.get(service) ?? new Set<number>();
      told.set(service, shown);
      for (const r of view.ready ?? []) {
        if (shown.has(r)) continue;
        shown.add(r);
        o.emit({
          type: 'progress',
          resource: 'container',
          name: `${o.project}-${service}-${r + 1}`,
          service,
          status: 'running',
          detail: `updated (${shown.size}/${view.replicas})`,
        });
      }
      if (view.phase === 'completed') pending.delete(service);
      else if (view.phase === 'paused') {
        errors.push(
          `service "${service}": the update is paused: ${view.reason}; fix it and run fizz up again, or fizz rollback ${service}`,
        );
        pending.delete(service);
      }
    }
    if (pending.size === 0 || o.signal.aborted) break;
    if (o.clock.now() >= deadline) {
      for (const service of pending.keys())
        errors.push(
          `service "${service}": the update did not finish within ${Math.round(o.timeoutMs / 1000)} s; it goes on (fizz history ${service})`,
        );
      break;
    }
    if (o.clock.now() - lastKick >= 1000) {
      lastKick = o.clock.now();
      o.kick();
    }
    await o.clock.sleep(POLL_MS, o.signal);
  }
  return errors;
}
