/**
 * The replicated desired state of a cluster on one Yjs document: projects (opaque JSON
 * specs), deletions that win over older definitions, scale overrides, stopped services,
 * secrets (ciphertext only) and one status entry per node, written only by that node (any
 * node may remove a departed one's entry, which that node's next write brings back).
 *
 * Every value is a last-writer-wins register ordered by (at, nodeId) (see lww.ts). A
 * project's removal leaves a tombstone whose stamp becomes the project's *floor*: scale and
 * stopped overrides written before it are dead for good, even after a later `putProject`
 * brings the project back. Stamps come from the injected clock, bumped past every stamp
 * this replica has counted, so a write made after seeing another always wins over it; an
 * entry stamped more than a day ahead of the clock is not counted until the clock gets
 * within a day of it (lww.ts, "Stamps from the future").
 *
 * Bytes in, bytes out, in Yjs's update format v2 (its run-length and delta coding keeps the
 * tombstones of overwritten values to a few bytes per thousand; format v1 spends ~10 bytes
 * on each), handled by doc-updates.ts. The network and the disk live elsewhere (src/net,
 * store.ts).
 */
import * as Y from 'yjs';
import { ChangeFeed, type ChangeListener, type ToChange, type Touched } from './change-feed.js';
import { DocUpdates, type UpdateListener } from './doc-updates.js';
import { StampRangeError } from './errors.js';
import { type Entry, inHorizon, later, MAX_AHEAD_MS, MAX_AT, maxStamp } from './lww.js';
import { RegisterMap } from './register-map.js';
import type { ClusterStateOptions, NodeStatus, Stamp } from './types.js';
import {
  isNodeStatus,
  isNodeStatusEntry,
  isProjectEntry,
  isScaleEntry,
  isSecretEntry,
  isStamp,
  isStoppedEntry,
  MAX_SCALE,
} from './validate.js';

/** The Y.Map names inside the document; part of the stored format. */
const MAPS = {
  projects: 'projects/1',
  scale: 'scale/1',
  stopped: 'stopped/1',
  secrets: 'secrets/1',
  nodes: 'nodes/1',
};

/** How long the tombstone of a removed node status entry is kept (a week): a status of that
 * node stamped before the removal that reaches a replica after this may show the entry again
 * (until it is removed again). */
export const NODE_TOMBSTONE_TTL_MS = 7 * 86_400_000;

export class ClusterState {
  readonly nodeId: string;
  private readonly clock: () => number;
  private readonly doc: Y.Doc;
  private readonly projects: RegisterMap;
  private readonly scale: RegisterMap;
  private readonly stopped: RegisterMap;
  private readonly secrets: RegisterMap;
  private readonly nodes: RegisterMap;
  private readonly updates: DocUpdates;
  private readonly changes: ChangeFeed;
  /** Each register family with the change event its touched keys make. */
  private readonly families: Array<{ reg: RegisterMap; toChange: ToChange }> = [];
  private lastAt = 0;

  constructor(options: ClusterStateOptions) {
    if (!options.nodeId || options.nodeId.includes('\u0000'))
      throw new TypeError('nodeId must be a non-empty string');
    this.nodeId = options.nodeId;
    this.clock = options.clock;
    this.changes = new ChangeFeed(options.onListenerError);
    this.doc = new Y.Doc({ gc: true });
    this.updates = new DocUpdates(this.doc);
    // Each family's schema is checked on every entry, remote or local (validate.ts).
    this.projects = new RegisterMap(this.doc.getMap(MAPS.projects), 1, isProjectEntry, this.clock);
    this.scale = new RegisterMap(this.doc.getMap(MAPS.scale), 2, isScaleEntry, this.clock);
    this.stopped = new RegisterMap(this.doc.getMap(MAPS.stopped), 2, isStoppedEntry, this.clock);
    this.secrets = new RegisterMap(this.doc.getMap(MAPS.secrets), 2, isSecretEntry, this.clock);
    this.nodes = new RegisterMap(this.doc.getMap(MAPS.nodes), 1, isNodeStatusEntry, this.clock);
    this.observe(this.projects, (parts, local) => {
      const w = this.projects.get(parts);
      const kind = w && !w.removed ? 'project-put' : 'project-removed';
      return { kind, project: parts[0]!, local };
    });
    this.observe(this.scale, (p, local) => ({ kind: 'scale', project: p[0]!, service: p[1]!, local }));
    this.observe(this.stopped, (p, local) => ({ kind: 'stopped', project: p[0]!, service: p[1]!, local }));
    this.observe(this.secrets, (p, local) => ({ kind: 'secret', project: p[0]!, name: p[1]!, local }));
    this.observe(this.nodes, (p, local) => ({ kind: 'node-status', nodeId: p[0]!, local }));
  }

  // ---- projects ----

  /** Defines (or redefines) a project; `spec.name` must be a non-empty string. */
  putProject(spec: unknown): void {
    const name = projectName(spec);
    this.write((stamp) => {
      const floor = this.floor(name);
      this.projects.write([name], { ...stamp, spec, ...(floor ? { floor } : {}) });
      this.projects.prune([name], (e) => e.node !== this.nodeId && later(stamp, e));
    });
  }

  /** Removes a project: wins over every older definition and kills its older overrides. */
  removeProject(name: string): void {
    checkName(name);
    this.write((stamp) => {
      this.projects.write([name], { ...stamp, removed: true, floor: stamp });
      this.projects.prune([name], (e) => e.node !== this.nodeId && later(stamp, e));
      for (const reg of [this.scale, this.stopped]) {
        for (const parts of reg.keys()) if (parts[0] === name) reg.prune(parts, (e) => later(stamp, e));
      }
    });
  }

  /** The project's spec, or undefined when it was never defined or its last word is a removal. */
  getProject(name: string): unknown {
    const w = this.projects.get([name]);
    return w && !w.removed ? w.spec : undefined;
  }

  /** Names of the defined (not removed) projects, sorted. */
  listProjects(): string[] {
    return this.projects
      .keys()
      .map((p) => p[0]!)
      .filter((n) => this.getProject(n) !== undefined)
      .sort();
  }

  // ---- per-service overrides ----

  setScale(project: string, service: string, n: number): void {
    if (!Number.isInteger(n) || n < 0 || n > MAX_SCALE)
      throw new RangeError(`scale must be an integer from 0 to ${MAX_SCALE}, got ${n}`);
    this.override(this.scale, project, service, { n });
  }

  /** The scale override, or undefined when none is set (use the spec's replicas). */
  getScale(project: string, service: string): number | undefined {
    const e = this.liveOverride(this.scale, project, service);
    return e && Number.isInteger(e.n) && (e.n as number) >= 0 ? (e.n as number) : undefined;
  }

  /** `fizz stop` / `fizz start` of one service. */
  setServiceStopped(project: string, service: string, stopped: boolean): void {
    this.override(this.stopped, project, service, { stopped });
  }

  isServiceStopped(project: string, service: string): boolean {
    return this.liveOverride(this.stopped, project, service)?.stopped === true;
  }

  // ---- secrets (ciphertext only; they outlive `fizz down`) ----

  putSecret(project: string, name: string, ciphertext: Uint8Array): void {
    if (!(ciphertext instanceof Uint8Array)) throw new TypeError('a secret is stored as ciphertext bytes');
    this.override(this.secrets, project, name, { ct: new Uint8Array(ciphertext) });
  }

  removeSecret(project: string, name: string): void {
    this.override(this.secrets, project, name, { removed: true });
  }

  getSecret(project: string, name: string): Uint8Array | undefined {
    const ct = this.secrets.get([project, name])?.ct;
    return ct instanceof Uint8Array ? ct : undefined;
  }

  listSecrets(project: string): string[] {
    return this.secrets
      .keys()
      .filter((p) => p[0] === project && this.getSecret(project, p[1]!) !== undefined)
      .map((p) => p[1]!)
      .sort();
  }

  // ---- node status ----

  /** Writes this node's own status entry (no write when nothing changed). It wins over a
   * removal of the entry made before it, and drops that removal's tombstone. */
  setNodeStatus(status: NodeStatus): void {
    if (!isNodeStatus(status)) throw new TypeError('invalid node status');
    const current = this.nodes.get([this.nodeId]);
    if (current && !current.removed && JSON.stringify(current.status) === JSON.stringify(status)) return;
    this.write((stamp) => {
      this.sweepNodeTombstones(stamp.at);
      this.nodes.write([this.nodeId], { ...stamp, status: structuredClone(status) });
      this.nodes.prune([this.nodeId], (e) => e.node !== this.nodeId && later(stamp, e));
    });
  }

  /** Removes a node's status entry (a departed or reaped node's; any node may). A
   * last-writer-wins removal: a status of that node stamped before it stays removed, even
   * when it arrives later; one the node writes after it (when it comes back) wins. Its
   * tombstone goes when that node writes again, or NODE_TOMBSTONE_TTL_MS after the removal. */
  removeNodeStatus(nodeId: string): void {
    checkName(nodeId);
    const current = this.nodes.get([nodeId]);
    if (!current || current.removed) return;
    this.write((stamp) => {
      this.sweepNodeTombstones(stamp.at);
      this.nodes.write([nodeId], { ...stamp, removed: true });
      this.nodes.prune([nodeId], (e) => e.node !== this.nodeId && later(stamp, e));
    });
  }

  /** Every node's last reported status, by node id. */
  nodeStatuses(): Map<string, NodeStatus> {
    const out = new Map<string, NodeStatus>();
    for (const [id] of this.nodes.keys()) {
      const e = this.nodes.get([id!]);
      if (e && e.node === id && isNodeStatus(e.status)) out.set(id!, e.status);
    }
    return out;
  }

  /** The stamp of this replica's last write (for tests and diagnostics). */
  lastWrite(): Stamp | undefined {
    return this.lastAt ? { at: this.lastAt, node: this.nodeId } : undefined;
  }

  // ---- the Yjs client id (store-client.ts) ----

  /** Makes later local writes under a client id this replica used before, if it holds that
   * id's whole history (`clock` items, as saved when its store was closed); returns whether
   * it did. Otherwise a peer could hold items of that id this replica lacks, and would take
   * the new ones, numbered alike, for duplicates. */
  resumeClient(saved: { id: number; clock: number }): boolean {
    const { id, clock } = saved;
    if (!Number.isInteger(id) || id < 0 || id > 0xffff_ffff) return false;
    if (Y.getState(this.doc.store, id) !== clock) return false;
    this.doc.clientID = id;
    return true;
  }

  /** This replica's client id and its clock, complete from now on: later local writes go to
   * a new client id, so the pair can be saved for the next process (the store's close). */
  releaseClient(): { id: number; clock: number } {
    const id = this.doc.clientID;
    const clock = Y.getState(this.doc.store, id);
    // As Yjs draws its client ids.
    this.doc.clientID = crypto.getRandomValues(new Uint32Array(1))[0]!;
    return { id, clock };
  }

  // ---- bytes in, bytes out ----

  stateVector(): Uint8Array {
    return this.updates.stateVector();
  }

  /** Everything this replica has that a replica at `sinceSv` lacks (all of it without one). */
  encodeUpdate(sinceSv?: Uint8Array): Uint8Array {
    return this.updates.encode(sinceSv);
  }

  /** Applies a remote (or stored) update (see DocUpdates.apply); `origin` tags it so it is
   * not re-broadcast. */
  applyUpdate(bytes: Uint8Array, origin: unknown, checked = false): void {
    this.updates.apply(bytes, origin, checked);
    this.changes.notify(this.admitDue(), false);
  }

  static merge(updates: Uint8Array[]): Uint8Array {
    return DocUpdates.merge(updates);
  }

  /** Calls `cb` with the bytes of every change this replica makes itself; returns an unsubscribe. */
  onLocalUpdate(cb: (update: Uint8Array) => void): () => void {
    return this.onUpdate((update, _origin, local) => {
      if (local) cb(update);
    });
  }

  /** Calls `cb` with the bytes of every change, local or remote, with its origin. */
  onUpdate(cb: UpdateListener): () => void {
    return this.updates.onUpdate(cb);
  }

  on(event: 'change', cb: ChangeListener): () => void {
    if (event !== 'change') throw new TypeError(`unknown event ${String(event)}`);
    return this.changes.add(cb);
  }

  off(event: 'change', cb: ChangeListener): void {
    if (event === 'change') this.changes.remove(cb);
  }

  destroy(): void {
    this.changes.clear();
    this.updates.clear();
    this.doc.destroy();
  }

  // ---- internals ----

  /** One local write: stamped past the entries that came within the clock's horizon (lww.ts),
   * whose change events follow the write's own. */
  private write(body: (stamp: Stamp) => void): void {
    const admitted = this.admitDue();
    try {
      const stamp = this.stamp();
      this.doc.transact(() => body(stamp));
    } finally {
      this.changes.notify(admitted, false);
    }
  }

  /** A stamp later than the clock's reading and than every stamp counted so far, within the
   * range lww.ts allows (StampRangeError otherwise, before anything is written). */
  private stamp(): Stamp {
    let seen = this.lastAt;
    for (const { reg } of this.families) seen = Math.max(seen, reg.maxAt);
    const now = Math.floor(this.clock());
    const at = now > seen ? now : seen + 1;
    if (!(at <= MAX_AT) || !inHorizon(at, now)) {
      throw new StampRangeError(
        `a write stamped ${at} is out of range for a clock at ${now} (at most ${MAX_AHEAD_MS} ms ahead, at most ${MAX_AT}); the clock is wrong`,
      );
    }
    this.lastAt = at;
    return { at, node: this.nodeId };
  }

  /** Entries set aside as too far ahead that the clock has come within range of, by family. */
  private admitDue(): Touched[] {
    const out: Touched[] = [];
    for (const { reg, toChange } of this.families) {
      const touched = reg.admitDue();
      if (touched.length > 0) out.push({ toChange, touched });
    }
    return out;
  }

  /** The latest removal this replica knows for a project. */
  private floor(project: string): Stamp | undefined {
    let floor: Stamp | undefined;
    for (const e of this.projects.entries([project])) if (isStamp(e.floor)) floor = maxStamp(floor, e.floor);
    return floor;
  }

  private override(reg: RegisterMap, project: string, key: string, payload: Record<string, unknown>): void {
    checkName(project);
    checkName(key);
    this.write((stamp) => {
      reg.write([project, key], { ...stamp, ...payload });
      reg.prune([project, key], (e) => e.node !== this.nodeId && later(stamp, e));
    });
  }

  /** Deletes what removals of status entries hide (an older status that arrived after its
   * removal), and removals older than NODE_TOMBSTONE_TTL_MS with all they hide; call first
   * in a write's transaction (the index shows the state before it). */
  private sweepNodeTombstones(now: number): void {
    for (const parts of this.nodes.keys()) {
      const w = this.nodes.get(parts);
      if (!w?.removed) continue;
      const expired = w.at < now - NODE_TOMBSTONE_TTL_MS;
      this.nodes.prune(parts, (e) => (expired ? !later(e, w) : e !== w && later(w, e)));
    }
  }

  private liveOverride(reg: RegisterMap, project: string, key: string): Entry | undefined {
    const e = reg.get([project, key]);
    if (!e) return undefined;
    const floor = this.floor(project);
    return floor && !later(e, floor) ? undefined : e;
  }

  private observe(reg: RegisterMap, toChange: ToChange): void {
    this.families.push({ reg, toChange });
    reg.map.observe((event) => {
      const touched = reg.refresh(event.keysChanged);
      this.changes.notify([{ toChange, touched }], event.transaction.local);
    });
  }
}

function checkName(name: string): void {
  if (typeof name !== 'string' || name.length === 0 || name.includes('\u0000'))
    throw new TypeError(`invalid name ${JSON.stringify(name)}`);
}

function projectName(spec: unknown): string {
  const name = (spec as { name?: unknown } | null)?.name;
  if (typeof name !== 'string') throw new TypeError('a project spec needs a string name');
  checkName(name);
  return name;
}
