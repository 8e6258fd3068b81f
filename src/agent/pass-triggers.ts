/**
 * What starts a reconcile pass besides an API operation: a remote state change, an engine
 * event of interest, and the periodic tick. Each calls `kick`; the reconciler merges them.
 */
import type { ClusterState } from '../../crdt/index.js';
import { LABELS, type Runtime, type RuntimeEvent } from '../runtime/types.js';
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';
import type { ContainerWaiter } from './waiter.js';

export interface PassTriggerOptions {
  nodeId: string;
  state: ClusterState;
  runtime: Runtime;
  clock: Clock;
  logger: Logger;
  /** Periodic pass, ms. */
  tickMs: number;
  /** Woken by every engine event (its waits end sooner than its poll). */
  waiter: ContainerWaiter;
  /** Each engine event of a container this node made, for the events log. */
  onEngineEvent?: (ev: RuntimeEvent) => void;
  /** Schedules a pass nobody waits for. */
  kick: () => void;
  /** Whether no pass is queued. */
  queueEmpty: () => boolean;
  /** Whether a pass runs now. */
  running: () => boolean;
  /**
   * Whether another node's status entry may change this node's pass: a new owner reported a
   * replica this node hands over, or another node's replica of a rolling update became ready.
   */
  watchesPeers: () => boolean;
  signal: AbortSignal;
}

/** Starts the state listener, the tick and the engine event loop; the loops end on `signal`. */
export function startPassTriggers(o: PassTriggerOptions): Promise<void>[] {
  const off = o.state.on('change', (e) => {
    if (
      e.kind === 'project-put' ||
      e.kind === 'project-removed' ||
      e.kind === 'scale' ||
      e.kind === 'stopped' ||
      e.kind === 'secret'
    )
      if (!e.local) o.kick();
    if (e.kind === 'node-status' && !e.local && o.watchesPeers()) o.kick();
  });
  o.signal.addEventListener('abort', off, { once: true });
  return [tickLoop(o), eventLoop(o)];
}

async function tickLoop(o: PassTriggerOptions): Promise<void> {
  const { signal } = o;
  while (!signal.aborted) {
    await o.clock.sleep(o.tickMs, signal);
    if (signal.aborted) break;
    if (o.queueEmpty() && !o.running()) o.kick();
  }
}

async function eventLoop(o: PassTriggerOptions): Promise<void> {
  const { signal } = o;
  while (!signal.aborted) {
    try {
      for await (const ev of o.runtime.events(signal)) {
        o.waiter.notify(ev.containerId);
        if (ev.labels[LABELS.node] === o.nodeId) o.onEngineEvent?.(ev);
        const a = ev.action;
        // start and healthy: the status entry other nodes wait on (make-before-break) changes.
        if (
          a === 'die' ||
          a === 'destroy' ||
          a === 'oom' ||
          a === 'start' ||
          a.startsWith('health_status: unhealthy') ||
          a.startsWith('health_status: healthy')
        ) {
          if (o.queueEmpty()) o.kick();
        }
      }
    } catch (err) {
      if (!signal.aborted) o.logger.debug({ err: (err as Error).message }, 'runtime events ended');
    }
    await o.clock.sleep(1000, signal);
  }
}
