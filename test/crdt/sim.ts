/**
 * Helpers for the CRDT simulations: a seeded PRNG, random operations, a canonical view of a
 * replica's state, and a reference model of the intended last-writer-wins semantics.
 */
import assert from 'node:assert/strict';
import { ClusterState, later, type Stamp } from '../../crdt/index.js';

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const PROJECTS = ['web', 'db', 'cache'];
export const SERVICES = ['app', 'worker'];

export type Op =
  | { kind: 'put'; project: string; version: number }
  | { kind: 'remove'; project: string }
  | { kind: 'scale'; project: string; service: string; n: number }
  | { kind: 'stop'; project: string; service: string; stopped: boolean }
  | { kind: 'secret'; project: string; name: string; byte: number }
  | { kind: 'status'; images: number }
  | { kind: 'unstatus'; node: string };

/** A random operation; with `nodes`, removals of their status entries too. */
export function randomOp(rand: () => number, nodes: readonly string[] = []): Op {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const project = pick(PROJECTS);
  const r = rand();
  if (r < 0.25) return { kind: 'put', project, version: Math.floor(rand() * 1000) };
  if (r < 0.4) return { kind: 'remove', project };
  if (r < 0.7) return { kind: 'scale', project, service: pick(SERVICES), n: Math.floor(rand() * 10) };
  if (r < 0.8) return { kind: 'stop', project, service: pick(SERVICES), stopped: rand() < 0.5 };
  if (r < 0.9) return { kind: 'secret', project, name: pick(['k1', 'k2']), byte: Math.floor(rand() * 256) };
  if (r < 0.96 || nodes.length === 0) return { kind: 'status', images: Math.floor(rand() * 5) };
  return { kind: 'unstatus', node: pick(nodes) };
}

export function applyOp(s: ClusterState, op: Op): void {
  switch (op.kind) {
    case 'put':
      s.putProject({ name: op.project, version: op.version });
      return;
    case 'remove':
      s.removeProject(op.project);
      return;
    case 'scale':
      s.setScale(op.project, op.service, op.n);
      return;
    case 'stop':
      s.setServiceStopped(op.project, op.service, op.stopped);
      return;
    case 'secret':
      s.putSecret(op.project, op.name, new Uint8Array([op.byte]));
      return;
    case 'status':
      s.setNodeStatus({
        containers: [],
        images: Array.from({ length: op.images }, (_, i) => `i${i}`),
        updatedAt: op.images,
      });
      return;
    case 'unstatus':
      s.removeNodeStatus(op.node);
      return;
  }
}

/** Everything a reader can observe, in a canonical form. */
export function view(s: ClusterState, nodes: readonly string[]): unknown {
  const out: Record<string, unknown> = {};
  for (const p of PROJECTS) {
    out[`project:${p}`] = s.getProject(p) ?? null;
    for (const svc of SERVICES) {
      out[`scale:${p}/${svc}`] = s.getScale(p, svc) ?? null;
      out[`stopped:${p}/${svc}`] = s.isServiceStopped(p, svc);
    }
    for (const k of ['k1', 'k2']) out[`secret:${p}/${k}`] = s.getSecret(p, k)?.[0] ?? null;
  }
  out.projects = s.listProjects();
  const st = s.nodeStatuses();
  for (const n of nodes) out[`status:${n}`] = st.get(n)?.images.length ?? null;
  return out;
}

/** The intended semantics, from every operation and the stamp it was written with. */
export class Model {
  private readonly writes: Array<{ op: Op; stamp: Stamp }> = [];

  record(op: Op, stamp: Stamp): void {
    this.writes.push({ op, stamp });
  }

  private last<T extends Op['kind']>(
    kind: T | T[],
    match: (op: Op) => boolean,
  ): { op: Op; stamp: Stamp } | undefined {
    const kinds = Array.isArray(kind) ? kind : [kind];
    let best: { op: Op; stamp: Stamp } | undefined;
    for (const w of this.writes) {
      if (!kinds.includes(w.op.kind as T) || !match(w.op)) continue;
      if (!best || later(w.stamp, best.stamp)) best = w;
    }
    return best;
  }

  view(nodes: readonly string[]): unknown {
    const out: Record<string, unknown> = {};
    const live: string[] = [];
    for (const p of PROJECTS) {
      const w = this.last(['put', 'remove'], (op) => 'project' in op && op.project === p);
      const spec = w && w.op.kind === 'put' ? { name: p, version: w.op.version } : null;
      if (spec) live.push(p);
      out[`project:${p}`] = spec;
      const removal = this.last('remove', (op) => op.kind === 'remove' && op.project === p)?.stamp;
      const alive = (stamp: Stamp) => !removal || later(stamp, removal);
      for (const svc of SERVICES) {
        const sc = this.last('scale', (op) => op.kind === 'scale' && op.project === p && op.service === svc);
        out[`scale:${p}/${svc}`] = sc && alive(sc.stamp) && sc.op.kind === 'scale' ? sc.op.n : null;
        const st = this.last('stop', (op) => op.kind === 'stop' && op.project === p && op.service === svc);
        out[`stopped:${p}/${svc}`] = Boolean(st && alive(st.stamp) && st.op.kind === 'stop' && st.op.stopped);
      }
      for (const k of ['k1', 'k2']) {
        const se = this.last('secret', (op) => op.kind === 'secret' && op.project === p && op.name === k);
        out[`secret:${p}/${k}`] = se && se.op.kind === 'secret' ? se.op.byte : null;
      }
    }
    out.projects = live.sort();
    for (const n of nodes) {
      // The node's own status writes and the removals of its entry, by anyone.
      const mine = this.writes.filter(
        (w) =>
          (w.op.kind === 'status' && w.stamp.node === n) || (w.op.kind === 'unstatus' && w.op.node === n),
      );
      const lastMine = mine.reduce<{ op: Op; stamp: Stamp } | undefined>(
        (b, w) => (!b || later(w.stamp, b.stamp) ? w : b),
        undefined,
      );
      out[`status:${n}`] = lastMine && lastMine.op.kind === 'status' ? lastMine.op.images : null;
    }
    return out;
  }
}

/** Performs `op` on `s` and records it in the model with the stamp it got (if it wrote). */
export function act(s: ClusterState, op: Op, model: Model): void {
  const before = s.lastWrite();
  applyOp(s, op);
  const after = s.lastWrite();
  if (after && (!before || later(after, before))) model.record(op, after);
}

export function syncPair(a: ClusterState, b: ClusterState): void {
  b.applyUpdate(a.encodeUpdate(b.stateVector()), 'sync');
  a.applyUpdate(b.encodeUpdate(a.stateVector()), 'sync');
}

interface Msg {
  to: number;
  bytes: Uint8Array;
}

/**
 * One seeded simulation (simulation.test.ts, epoch.test.ts): N replicas make random changes;
 * their updates travel as messages delivered in random order, duplicated, dropped, and cut
 * by partitions that later heal; anti-entropy runs now and then. After a heal and two
 * rounds of anti-entropy every replica must equal the model, with equal state vectors.
 * `rebases`: the share of steps at which a random replica starts a new epoch (epoch.ts);
 * `retainMs`: how long a replica keeps the previous epoch's document for late changes;
 * `each`: made once per replica with its state and clock, run after every step (the agent's
 * own rebase trigger, test/agent/state-rebase.test.ts). Returns the replicas.
 */
export function simulate(
  seed: number,
  replicas: number,
  steps: number,
  epochs: {
    rebases: number;
    retainMs?: number;
    each?: (state: ClusterState, now: () => number) => () => void;
  } = { rebases: 0 },
): ClusterState[] {
  const rand = prng(seed);
  const time = { t: 1_000_000 };
  const skew = Array.from({ length: replicas }, () => Math.floor(rand() * 2000) - 1000);
  const nodes = Array.from({ length: replicas }, (_, i) => `node-${i}`);
  const states = nodes.map(
    (nodeId, i) =>
      new ClusterState({ nodeId, clock: () => time.t + skew[i]!, epochRetainMs: epochs.retainMs }),
  );
  const routines = states.map((s, i) => epochs.each?.(s, () => time.t + skew[i]!));
  const model = new Model();
  let inFlight: Msg[] = [];
  let group: number[] | null = null; // partition: replica → side
  const reachable = (a: number, b: number) => group === null || group[a] === group[b];
  states.forEach((s, i) => {
    s.onLocalUpdate((bytes) => {
      for (let to = 0; to < replicas; to++) if (to !== i && reachable(i, to)) inFlight.push({ to, bytes });
    });
  });

  for (let step = 0; step < steps; step++) {
    time.t += Math.floor(rand() * 20);
    const r = rand();
    if (r < 0.35) {
      const i = Math.floor(rand() * replicas);
      act(states[i]!, randomOp(rand, nodes), model);
    } else if (r < 0.8 && inFlight.length > 0) {
      const k = Math.floor(rand() * inFlight.length);
      const msg = inFlight[k]!;
      const fate = rand();
      if (fate < 0.1)
        inFlight.splice(k, 1); // dropped
      else {
        states[msg.to]!.applyUpdate(msg.bytes, 'net');
        if (fate > 0.2) inFlight.splice(k, 1); // otherwise kept: delivered again later
      }
    } else if (r < 0.85) {
      const a = Math.floor(rand() * replicas);
      const b = Math.floor(rand() * replicas);
      if (a !== b && reachable(a, b)) syncPair(states[a]!, states[b]!);
    } else if (r < 0.88) {
      group = group ? null : nodes.map(() => (rand() < 0.5 ? 0 : 1));
      if (group) inFlight = inFlight.filter(() => rand() < 0.5); // some messages die in the cut
    } else if (r < 0.88 + epochs.rebases) {
      states[Math.floor(rand() * replicas)]!.rebase();
    }
    for (const r of routines) r?.();
  }
  group = null;
  for (const m of inFlight) if (rand() < 0.5) states[m.to]!.applyUpdate(m.bytes, 'net');
  for (let i = 1; i < replicas; i++) syncPair(states[0]!, states[i]!);
  for (let i = 1; i < replicas; i++) syncPair(states[0]!, states[i]!);

  const expected = model.view(nodes);
  for (let i = 0; i < replicas; i++) {
    assert.deepEqual(view(states[i]!, nodes), expected, `seed ${seed}: replica ${i} differs from the model`);
  }
  const sv = Buffer.from(states[0]!.stateVector()).toString('hex');
  for (const s of states)
    assert.equal(Buffer.from(s.stateVector()).toString('hex'), sv, `seed ${seed}: state vectors differ`);
  return states;
}
