/**
 * `fizz up` and `fizz scale` in a cluster return once every replica they asked for runs
 * somewhere (on this node or, by its status entry, on another) or is pending with a
 * reason, and say where each runs as it appears. Then, within the same deadline, they wait
 * for the copies that should go: a replica scaled away on another node, or the old copy of
 * one that moved (make-before-break), so that `fizz ps` right after shows each replica once.
 */
import type { ClusterState } from '../../../crdt/index.js';
import type { ProgressEvent } from '../../api/protocol.js';
import type { DesiredSlot } from '../../reconcile/types.js';
import type { Clock } from '../clock.js';
import { runsThere } from '../handoff.js';

export interface ConvergeInput {
  state: ClusterState;
  project: string;
  services: string[];
  /** The replicas to wait for (running ones only matter): the project's, of `services`. */
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

/**
 * How long, once every replica runs, the extra copies are waited for at most: a stale status
 * entry must not hold the command for its whole timeout (a copy still stopping is then shown).
 */
export const EXTRA_COPIES_WAIT_MS = 30_000;

/** Resolves with the replicas that did not come up in time (empty when all did). */
export async function awaitCluster(o: ConvergeInput): Promise<string[]> {
  const deadline = o.clock.now() + o.timeoutMs;
  let allUpAt: number | undefined;
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
    const now = o.clock.now();
    if (o.signal.aborted || now >= deadline) return missing;
    if (missing.length === 0) {
      allUpAt ??= now;
      if (now - allUpAt >= EXTRA_COPIES_WAIT_MS || extraCopies(o, statuses, names).length === 0)
        return missing;
    } else allUpAt = undefined;
    await o.clock.sleep(200, o.signal);
  }
}

/**
 * The running containers of the services, on the nodes in `names`, that no running slot
 * wants, or whose slot runs on more than one of those nodes ("node/slot" each).
 */
export function extraCopies(
  o: Pick<ConvergeInput, 'project' | 'services' | 'slots'>,
  statuses: ReturnType<ClusterState['nodeStatuses']>,
  names: Map<string, string>,
): string[] {
  const wanted = new Set(
    o
      .slots()
      .filter((d) => d.running)
      .map((d) => `${d.slot.service}/${d.slot.replica}`),
  );
  const nodesOf = new Map<string, string[]>();
  for (const id of names.keys())
    for (const c of statuses.get(id)?.containers ?? []) {
      if (c.project !== o.project || !o.services.includes(c.service) || c.state !== 'running') continue;
      const key = `${c.service}/${c.replica}`;
      const nodes = nodesOf.get(key) ?? [];
      if (!nodes.includes(id)) nodes.push(id);
      nodesOf.set(key, nodes);
    }
  const extra: string[] = [];
  for (const [key, nodes] of nodesOf)
    if (!wanted.has(key) || nodes.length > 1) extra.push(...nodes.map((id) => `${names.get(id)}/${key}`));
  return extra.sort();
}
