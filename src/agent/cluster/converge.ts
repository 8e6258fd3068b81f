/**
 * `fizz up` and `fizz scale` in a cluster return once every replica they asked for runs
 * somewhere (on this node or, by its status entry, on another) or is pending with a
 * reason, and say where each runs as it appears.
 */
import type { ClusterState } from '../../../crdt/index.js';
import type { ProgressEvent } from '../../api/protocol.js';
import type { DesiredSlot } from '../../reconcile/types.js';
import type { Clock } from '../clock.js';
import { runsThere } from '../handoff.js';

export interface ConvergeInput {
  state: ClusterState;
  /** The replicas to wait for (running ones only matter). */
  slots: () => DesiredSlot[];
  /** Node id → name, of the nodes placement may use. */
  names: () => Map<string, string>;
  /** Slot keys no node can take now. */
  pending: () => Set<string>;
  selfId: string;
  clock: Clock;
  timeoutMs: number;
  signal: AbortSignal;
  emit: (event: ProgressEvent) => void;
}

/** Resolves with the replicas that did not come up in time (empty when all did). */
export async function awaitCluster(o: ConvergeInput): Promise<string[]> {
  const deadline = o.clock.now() + o.timeoutMs;
  const told = new Set<string>();
  for (;;) {
    const statuses = o.state.nodeStatuses();
    const names = o.names();
    const pending = o.pending();
    const missing: string[] = [];
    for (const d of o.slots()) {
      if (!d.running) continue;
      const key = `${d.slot.project}/${d.slot.service}/${d.slot.replica}`;
      if (pending.has(key)) continue;
      const where = [...names].find(([id]) => runsThere(statuses.get(id), d));
      if (!where) {
        missing.push(d.name);
        continue;
      }
      if (where[0] !== o.selfId && !told.has(key)) {
        told.add(key);
        o.emit({
          type: 'progress',
          resource: 'container',
          name: d.name,
          service: d.slot.service,
          status: 'running',
          detail: `on ${where[1]}`,
        });
      }
    }
    if (missing.length === 0 || o.signal.aborted || o.clock.now() >= deadline) return missing;
    await o.clock.sleep(200, o.signal);
  }
}
