/**
 * Make-before-break. When a slot this node runs is placed on another node (a join, a
 * leave, a drain, a rebalance after a scale), this node keeps its container until the new
 * owner's status entry shows the replica running at the current spec (and healthy, where
 * the service has a healthcheck), or the new owner is gone from placement, or `timeoutMs`
 * passes. Moves caused by a death need none of this: the dead node runs nothing.
 *
 * Then it drains: for `drain.ms` more the container is kept but reported draining in this
 * node's status entry, so every node's mesh (this one's too) stops sending it new
 * connections through ingress and DNS before it stops; without that, the old owner's
 * published port refuses connections until its ingress rules follow, and other nodes keep
 * DNATing to an address that is gone.
 *
 * A fixed host port cannot be made before it is broken on one node: when a slot coming to
 * this node publishes a host port that a replica leaving it holds (a swap or a chain of
 * moves between nodes that each run one replica of a port-bound service), waiting for the
 * leaving replica's new owner could wait forever, as that owner may be held the same way.
 * Such a replica is released at once (it still drains), and the incoming slot waits,
 * reported in `blocked`, until the port is free. The service keeps its other replicas
 * meanwhile, and ingress sends this node's connections to them while the port is drained.
 *
 * A replica scaled away (`fizz scale web=1`, a smaller `replicas:`) while its service keeps
 * others drains the same way before it stops (`drainScaledAway`), and so does one a rolling
 * update replaces in place (`drainBeforeReplace`). Pure.
 */
import type { NodeStatus } from '../../crdt/index.js';
import type { Action, DesiredSlot } from '../reconcile/types.js';
import { resolveUpdateConfig } from '../reconcile/update-config.js';
import { type ContainerInfo, LABELS, slotKey } from '../runtime/types.js';

export interface HandoffInput {
  nodeId: string;
  /** This node's containers. */
  actual: ContainerInfo[];
  /** Every desired slot, by slot key. */
  desired: Map<string, DesiredSlot>;
  /** slot key → node id. */
  assignment: Map<string, string>;
  statuses: Map<string, NodeStatus>;
  /** When each slot was first seen moving away (kept across passes; updated here). */
  since: Map<string, number>;
  now: number;
  timeoutMs: number;
  /** The drain after the release: when each slot was released (kept across passes; updated
   * here), and the slots draining now (filled here). */
  drain?: { ms: number; released: Map<string, number>; draining: Set<string> };
  /** Filled with the slots placed here that must not start yet: a kept replica holds their host port. */
  blocked?: Set<string>;
  /**
   * A replica scaled away (its slot no longer desired) while its service keeps running
   * replicas drains too before it stops, so no node sends it a new connection as it goes
   * (in a cluster, where the mesh reads the draining mark).
   */
  drainScaledAway?: boolean;
}

/** The fixed host ports a service publishes, as `protocol/ip:port` (ranges expanded, up to 1,024). */
export function hostPorts(d: DesiredSlot): string[] {
  const out: string[] = [];
  for (const p of d.spec.ports ?? []) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(p.published ?? '');
    if (!m) continue;
    const lo = Number(m[1]);
    const hi = Math.min(Number(m[2] ?? m[1]), lo + 1023);
    for (let port = lo; port <= hi; port++)
      if (port > 0) out.push(`${p.protocol}/${p.host_ip ?? ''}:${port}`);
  }
  return out;
}

/** Whether two sets of host ports clash (the same port, on the same or on every address). */
function clash(a: string[], b: Set<string>): boolean {
  for (const x of a) {
    const [proto, rest] = x.split('/') as [string, string];
    const port = rest.slice(rest.lastIndexOf(':') + 1);
    for (const y of b) {
      const [proto2, rest2] = y.split('/') as [string, string];
      if (proto !== proto2 || rest2.slice(rest2.lastIndexOf(':') + 1) !== port) continue;
      const ip = rest.slice(0, rest.lastIndexOf(':'));
      const ip2 = rest2.slice(0, rest2.lastIndexOf(':'));
      const any = (x: string) => x === '' || x === '0.0.0.0' || x === '::' || x === '[::]';
      if (ip === ip2 || any(ip) || any(ip2)) return true;
    }
  }
  return false;
}

export function hasHealthcheck(d: DesiredSlot): boolean {
  const hc = d.spec.healthcheck as { disable?: boolean; test?: unknown } | undefined;
  if (!hc || hc.disable) return false;
  return !(Array.isArray(hc.test) && hc.test[0] === 'NONE');
}

/** How many running replicas each `project/service` wants (absent: none). */
function runningReplicas(slots: Iterable<DesiredSlot>): Map<string, number> {
  const n = new Map<string, number>();
  for (const d of slots) {
    if (!d.running) continue;
    const svc = `${d.slot.project}/${d.slot.service}`;
    n.set(svc, (n.get(svc) ?? 0) + 1);
  }
  return n;
}

/** Whether `owner` reports the slot running at its current spec (and healthy where checked). */
export function runsThere(status: NodeStatus | undefined, d: DesiredSlot): boolean {
  if (!status) return false;
  const { project, service, replica } = d.slot;
  return status.containers.some(
    (c) =>
      c.project === project &&
      c.service === service &&
      c.replica === replica &&
      c.state === 'running' &&
      c.specHash === d.specHash &&
      (!hasHealthcheck(d) || c.health === 'healthy'),
  );
}

function refOf(c: ContainerInfo): { project: string; service: string; replica: number } | undefined {
  const project = c.labels[LABELS.project];
  const service = c.labels[LABELS.service];
  const replica = Number(c.labels[LABELS.slot]);
  return project && service && Number.isInteger(replica) ? { project, service, replica } : undefined;
}

/** The slot keys whose container this node keeps though another node now owns them. */
export function keptForHandoff(input: HandoffInput): Set<string> {
  const keep = new Set<string>();
  const moving = new Set<string>();
  const drain = input.drain;
  drain?.draining.clear();
  input.blocked?.clear();
  // Host ports of the slots placed here that run nowhere here yet.
  const runningHere = new Set<string>();
  for (const c of input.actual) {
    const ref = refOf(c);
    if (ref && c.labels[LABELS.node] === input.nodeId && c.state === 'running') runningHere.add(slotKey(ref));
  }
  const incoming = new Map<string, string[]>();
  for (const [key, owner] of input.assignment) {
    const d = input.desired.get(key);
    if (owner !== input.nodeId || !d || !d.running || runningHere.has(key)) continue;
    const ports = hostPorts(d);
    if (ports.length > 0) incoming.set(key, ports);
  }
  const incomingPorts = new Set([...incoming.values()].flat());
  const liveServices = runningReplicas(input.desired.values());
  /** Released now (or before): whether it still drains, marked so when it does. */
  const draining = (key: string): boolean => {
    if (!drain || drain.ms <= 0) return false;
    const released = drain.released.get(key) ?? input.now;
    drain.released.set(key, released);
    if (input.now - released >= drain.ms) return false;
    drain.draining.add(key);
    return true;
  };
  const keptPorts = new Set<string>();
  for (const c of input.actual) {
    if (c.labels[LABELS.node] !== input.nodeId || c.state !== 'running') continue;
    const ref = refOf(c);
    if (!ref) continue;
    const key = slotKey(ref);
    const d = input.desired.get(key);
    const owner = input.assignment.get(key);
    if (!d) {
      if (input.drainScaledAway && liveServices.has(`${ref.project}/${ref.service}`)) {
        moving.add(key);
        if (draining(key)) keep.add(key);
      }
      continue;
    }
    if (owner === undefined || owner === input.nodeId) continue;
    moving.add(key);
    const first = input.since.get(key) ?? input.now;
    input.since.set(key, first);
    const ports = hostPorts(d);
    const held =
      drain?.released.has(key) !== true &&
      !clash(ports, incomingPorts) &&
      !runsThere(input.statuses.get(owner), d) &&
      input.now - first < input.timeoutMs;
    if (held) {
      keep.add(key);
      for (const p of ports) keptPorts.add(p);
      continue;
    }
    if (draining(key)) {
      keep.add(key);
      for (const p of ports) keptPorts.add(p);
    }
  }
  if (input.blocked) for (const [key, ports] of incoming) if (clash(ports, keptPorts)) input.blocked.add(key);
  for (const key of input.since.keys()) if (!moving.has(key)) input.since.delete(key);
  if (drain) for (const key of drain.released.keys()) if (!moving.has(key)) drain.released.delete(key);
  return keep;
}

/**
 * In a cluster, a running replica about to be replaced in place (a `recreate`: a rolling
 * update, a changed spec, `--force-recreate`) while replicas of its service outside the
 * update's batch keep serving drains first: its recreate waits `ms`, its slot marked
 * draining (added to `draining`), so no node sends it a new connection as it stops.
 * `since` (kept across passes) is when each drain began. Returns the actions that may run
 * now and, when some wait, how long until the first may run.
 */
export function drainBeforeReplace(
  actions: Action[],
  slots: DesiredSlot[],
  now: number,
  ms: number,
  state: { since: Map<string, number>; draining: Set<string> },
): { actions: Action[]; waitMs?: number } {
  const replicas = runningReplicas(slots);
  // Only while replicas outside the update's batch keep serving: with `parallelism: 0`, or
  // one at least the replica count, every replica goes at once and none could take over.
  const batch = (d: DesiredSlot) => {
    try {
      return resolveUpdateConfig(d.slot.service, d.spec, 'update').parallelism;
    } catch {
      return 0;
    }
  };
  const seen = new Set<string>();
  let waitMs: number | undefined;
  const allowed = actions.filter((a) => {
    if (a.kind !== 'recreate' || a.container.state !== 'running' || ms <= 0) return true;
    const n = batch(a.slot);
    if (n < 1 || n >= (replicas.get(`${a.slot.slot.project}/${a.slot.slot.service}`) ?? 0)) return true;
    const key = slotKey(a.slot.slot);
    seen.add(key);
    const began = state.since.get(key) ?? now;
    state.since.set(key, began);
    const left = began + ms - now;
    if (left <= 0) return true;
    state.draining.add(key);
    waitMs = Math.min(waitMs ?? left, left);
    return false;
  });
  for (const key of state.since.keys()) if (!seen.has(key)) state.since.delete(key);
  return waitMs === undefined ? { actions: allowed } : { actions: allowed, waitMs };
}
