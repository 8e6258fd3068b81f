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
 * on each), handled by doc-updates.ts. Yjs still keeps an item per overwritten value: a
 * rebase (epoch.ts) swaps the document for a fresh one holding the same entries. The
 * network and the disk live elsewhere (src/net, store.ts).
 */
import * as Y from 'yjs';
import { ChangeFeed, type ChangeListener } from './change-feed.js';
import type { DocState } from './doc-state.js';
import { DocUpdates, type UpdateListener } from './doc-updates.js';
import { Epochs, WHOLE } from './epoch.js';
import { frame, unframe } from './epoch-frame.js';
import { StampRangeError } from './errors.js';
import { type Entry, inHorizon, later, MAX_AHEAD_MS, MAX_AT, maxStamp } from './lww.js';
import type { RegisterMap } from './register-map.js';
import type { ClusterStateOptions, NodeStatus, Stamp } from './types.js';
import { isNodeStatus, isStamp, MAX_SCALE } from './validate.js';

/** How long the tombstone of a removed node status entry is kept (a week): a status of that
 * node stamped before the removal that reaches a replica after this may show the entry again
 * (until it is removed again). */
export const NODE_TOMBSTONE_TTL_MS = 7 * 86_400_000;

export class ClusterState {
  readonly nodeId: string;
  private readonly clock: () => number;
  private readonly changes: ChangeFeed;
  private readonly updateListeners = new Set<UpdateListener>();
  private readonly epochs: Epochs;
  private lastAt = 0;

  constructor(options: ClusterStateOptions) {
    if (!options.nodeId || options.nodeId.includes('\u0000'))
      throw new TypeError('nodeId must be a non-empty string');
    this.nodeId = options.nodeId;
    this.clock = options.clock;
    this.changes = new ChangeFeed(options.onListenerError);
    this.epochs = new Epochs({
      nodeId: this.nodeId,
      clock: this.clock,
      changes: this.changes,
      listeners: this.updateListeners,
      retainMs: options.epochRetainMs,
    });
  }

  /** The current document (it changes with the epoch). */
  private get ds(): DocState {
    return this.epochs.current;
  }

  // ---- projects ----

  /** Defines (or redefines) a project; `spec.name` must be a non-empty string. */
  putProject(spec: unknown): void {
    const name = projectName(spec);
    this.write((stamp) => {
      const floor = this.floor(name);
      this.ds.projects.write([name], { ...stamp, spec, ...(floor ? { floor } : {}) });
      this.ds.projects.pruneDominated([name], stamp, this.nodeId);
    });
  }

  /** Removes a project: wins over every older definition and kills its older overrides. */
  removeProject(name: string): void {
    checkName(name);
    this.write((stamp) => {
      this.ds.projects.write([name], { ...stamp, removed: true, floor: stamp });
      this.ds.projects.pruneDominated([name], stamp, this.nodeId);
      for (const reg of [this.ds.scale, this.ds.stopped]) {
        for (const parts of reg.keys()) if (parts[0] === name) reg.prune(parts, (e) => later(stamp, e));
      }
    });
  }

  /** The project's spec, or undefined when it was never defined or its last word is a removal. */
  getProject(name: string): unknown {
    const w = this.ds.projects.get([name]);
    return w && !w.removed ? w.spec : undefined;
  }

  /**
   * Whether this replica has heard of the project at all: defined, or removed (a removal is
   * remembered). A project it never heard of is one whose record it may have lost.
   */
  knowsProject(name: string): boolean {
    return this.ds.projects.get([name]) !== undefined;
  }

  /**
   * Whether some applied updates wait for an earlier one this replica lacks (Yjs keeps them
   * pending): they take effect once it arrives, e.g. from a peer.
   */
  hasPending(): boolean {
    const { store } = this.ds.doc;
    return store.pendingStructs !== null || store.pendingDs !== null;
  }

  /** Names of the defined (not removed) projects, sorted. */
  listProjects(): string[] {
    return this.ds.projects
      .keys()
      .map((p) => p[0]!)
      .filter((n) => this.getProject(n) !== undefined)
      .sort();
  }

  // ---- per-service overrides ----

  setScale(project: string, service: string, n: number): void {
    if (!Number.isInteger(n) || n < 0 || n > MAX_SCALE)
      throw new RangeError(`scale must be an integer from 0 to ${MAX_SCALE}, got ${n}`);
    this.override(this.ds.scale, project, service, { n });
  }

  /** The scale override, or undefined when none is set (use the spec's replicas). */
  getScale(project: string, service: string): number | undefined {
    const e = this.liveOverride(this.ds.scale, project, service);
    return e && Number.isInteger(e.n) && (e.n as number) >= 0 ? (e.n as number) : undefined;
  }

  /** `fizz stop` / `fizz start` of one service. */
  setServiceStopped(project: string, service: string, stopped: boolean): void {
    this.override(this.ds.stopped, project, service, { stopped });
  }

  isServiceStopped(project: string, service: string): boolean {
    return this.liveOverride(this.ds.stopped, project, service)?.stopped === true;
  }

  // ---- secrets (ciphertext only; they outlive `fizz down`) ----

  putSecret(project: string, name: string, ciphertext: Uint8Array): void {
    if (!(ciphertext instanceof Uint8Array)) throw new TypeError('a secret is stored as ciphertext bytes');
    this.override(this.ds.secrets, project, name, { ct: new Uint8Array(ciphertext) });
  }

  removeSecret(project: string, name: string): void {
    this.override(this.ds.secrets, project, name, { removed: true });
  }

  getSecret(project: string, name: string): Uint8Array | undefined {
    const ct = this.ds.secrets.get([project, name])?.ct;
    return ct instanceof Uint8Array ? ct : undefined;
  }

  listSecrets(project: string): string[] {
    return this.ds.secrets
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
    const current = this.ds.nodes.get([this.nodeId]);
    if (current && !current.removed && JSON.stringify(current.status) === JSON.stringify(status)) return;
    this.write((stamp) => {
      this.sweepNodeTombstones(stamp.at);
      this.ds.nodes.write([this.nodeId], { ...stamp, status: structuredClone(status) });
      this.ds.nodes.pruneDominated([this.nodeId], stamp, this.nodeId);
    });
  }

  /** Removes a node's status entry (a departed or reaped node's; any node may). A
   * last-writer-wins removal: a status of that node stamped before it stays removed, even
   * when it arrives later; one the node writes after it (when it comes back) wins. Its
   * tombstone goes when that node writes again, or NODE_TOMBSTONE_TTL_MS after the removal. */
  removeNodeStatus(nodeId: string): void {
    checkName(nodeId);
    const current = this.ds.nodes.get([nodeId]);
    if (!current || current.removed) return;
    this.write((stamp) => {
      this.sweepNodeTombstones(stamp.at);
      this.ds.nodes.write([nodeId], { ...stamp, removed: true });
      this.ds.nodes.pruneDominated([nodeId], stamp, this.nodeId);
    });
  }

  /** Every node's last reported status, by node id. */
  nodeStatuses(): Map<string, NodeStatus> {
    const out = new Map<string, NodeStatus>();
    for (const [id] of this.ds.nodes.keys()) {
      const e = this.ds.nodes.get([id!]);
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
    if (Y.getState(this.ds.doc.store, id) !== clock) return false;
    this.ds.doc.clientID = id;
    return true;
  }

  /** This replica's client id and its clock, complete from now on: later local writes go to
   * a new client id, so the pair can be saved for the next process (the store's close). */
  releaseClient(): { id: number; clock: number } {
    const id = this.ds.doc.clientID;
    const clock = Y.getState(this.ds.doc.store, id);
    // As Yjs draws its client ids.
    this.ds.doc.clientID = crypto.getRandomValues(new Uint32Array(1))[0]!;
    return { id, clock };
  }

  // ---- bytes in, bytes out ----

  stateVector(): Uint8Array {
    return this.epochs.stateVector();
  }

  /** Everything this replica has that a replica at `sinceSv` lacks (all of it without one;
   * the whole document for a replica of an earlier epoch, epoch.ts). */
  encodeUpdate(sinceSv?: Uint8Array): Uint8Array {
    return this.epochs.encode(sinceSv);
  }

  /** Applies a remote (or stored) update (see DocUpdates.apply, and epoch.ts for an update
   * of another epoch); `origin` tags it so it is not re-broadcast. `checked`: bytes from the
   * store's own log. */
  applyUpdate(bytes: Uint8Array, origin: unknown, checked = false): void {
    this.epochs.apply(bytes, origin, checked);
    this.changes.notify(this.ds.admitDue(), false);
  }

  /** Merges updates into one; of updates of several epochs, only the latest epoch's count. */
  static merge(updates: Uint8Array[]): Uint8Array {
    const framed = updates.map(unframe);
    const epoch = Math.max(0, ...framed.map((u) => u.epoch));
    const last = framed.filter((u) => u.epoch === epoch);
    const merged = DocUpdates.merge(last.map((u) => u.body));
    return frame(
      epoch,
      merged,
      last.some((u) => u.whole),
    );
  }

  /** The epoch of the current document (0 until the first rebase). */
  get epoch(): number {
    return this.epochs.epoch;
  }

  /** How many Yjs structs the current document holds: its load time and memory grow with
   * them (one per overwritten value, roughly), its registers do not. A rebase makes it the
   * count of a fresh document with the same content. */
  historySize(): number {
    return this.ds.structs();
  }

  /** Starts a new epoch from the valid entries of this one (epoch.ts); the other replicas
   * adopt it through anti-entropy. */
  rebase(): void {
    this.epochs.rebase();
  }

  /** Calls `cb` with the bytes of every change this replica makes itself; returns an unsubscribe. */
  onLocalUpdate(cb: (update: Uint8Array) => void): () => void {
    return this.onUpdate((update, _origin, local) => {
      if (local) cb(update);
    });
  }

  /** Calls `cb` with the bytes of every change, local or remote, with its origin. */
  onUpdate(cb: UpdateListener): () => void {
    // A wrapper per subscription, so that subscribing one callback twice calls it twice.
    const listener: UpdateListener = (update, origin, local) =>
      cb(frame(this.epochs.epoch, update, origin === WHOLE), origin, local);
    this.updateListeners.add(listener);
    this.ds.updates.listenersChanged();
    return () => {
      this.updateListeners.delete(listener);
      this.ds.updates.listenersChanged();
    };
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
    this.updateListeners.clear();
    this.epochs.destroy();
  }

  // ---- internals ----

  /** One local write: stamped past the entries that came within the clock's horizon (lww.ts),
   * whose change events follow the write's own. */
  private write(body: (stamp: Stamp) => void): void {
    const admitted = this.ds.admitDue();
    try {
      const stamp = this.stamp();
      this.ds.doc.transact(() => body(stamp));
    } finally {
      this.changes.notify(admitted, false);
    }
  }

  /** A stamp later than the clock's reading and than every stamp counted so far, within the
   * range lww.ts allows (StampRangeError otherwise, before anything is written). */
  private stamp(): Stamp {
    const seen = Math.max(this.lastAt, this.ds.maxAt());
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

  /** The latest removal this replica knows for a project. */
  private floor(project: string): Stamp | undefined {
    let floor: Stamp | undefined;
    for (const e of this.ds.projects.entries([project]))
      if (isStamp(e.floor)) floor = maxStamp(floor, e.floor);
    return floor;
  }

  private override(reg: RegisterMap, project: string, key: string, payload: Record<string, unknown>): void {
    checkName(project);
    checkName(key);
    this.write((stamp) => {
      reg.write([project, key], { ...stamp, ...payload });
      reg.pruneDominated([project, key], stamp, this.nodeId);
    });
  }

  /** Deletes what removals of status entries hide (an older status that arrived after its
   * removal), and removals older than NODE_TOMBSTONE_TTL_MS with all they hide; call first
   * in a write's transaction (the index shows the state before it). */
  private sweepNodeTombstones(now: number): void {
    for (const parts of this.ds.nodes.keys()) {
      const w = this.ds.nodes.get(parts);
      if (!w?.removed) continue;
      const expired = w.at < now - NODE_TOMBSTONE_TTL_MS;
      this.ds.nodes.prune(parts, (e) => (expired ? !later(e, w) : e !== w && later(w, e)));
    }
  }

  private liveOverride(reg: RegisterMap, project: string, key: string): Entry | undefined {
    const e = reg.get([project, key]);
    if (!e) return undefined;
    const floor = this.floor(project);
    return floor && !later(e, floor) ? undefined : e;
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
