/**
 * The replicated desired state of a cluster on one Yjs document: projects (opaque JSON
 * specs), deletions that win over older definitions, scale overrides, stopped services,
 * secrets (ciphertext only) and one status entry per node, written only by that node.
 *
 * Every value is a last-writer-wins register ordered by (at, nodeId) (see lww.ts). A
 * project's removal leaves a tombstone whose stamp becomes the project's *floor*: scale and
 * stopped overrides written before it are dead for good, even after a later `putProject`
 * brings the project back. Stamps come from the injected clock, bumped past every stamp
 * this replica has seen, so a write made after seeing another always wins over it.
 *
 * Bytes in, bytes out, in Yjs's update format v2 (its run-length and delta coding keeps the
 * tombstones of overwritten values to a few bytes per thousand; format v1 spends ~10 bytes
 * on each). The network and the disk live elsewhere (src/net, store.ts).
 */
import * as Y from 'yjs';
import { ListenerError, UpdateDecodeError } from './errors.js';
import { type Entry, later, maxStamp } from './lww.js';
import { RegisterMap } from './register-map.js';
import type { ClusterStateOptions, NodeStatus, Stamp, StateChange } from './types.js';
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

type Listener = (e: StateChange) => void;
type UpdateListener = (update: Uint8Array, origin: unknown, local: boolean) => void;

/** The Y.Map names inside the document; part of the stored format. */
const MAPS = {
  projects: 'projects/1',
  scale: 'scale/1',
  stopped: 'stopped/1',
  secrets: 'secrets/1',
  nodes: 'nodes/1',
};

export class ClusterState {
  readonly nodeId: string;
  private readonly clock: () => number;
  private readonly onListenerError: ClusterStateOptions['onListenerError'];
  private readonly doc: Y.Doc;
  private readonly projects: RegisterMap;
  private readonly scale: RegisterMap;
  private readonly stopped: RegisterMap;
  private readonly secrets: RegisterMap;
  private readonly nodes: RegisterMap;
  private readonly listeners = new Set<Listener>();
  private readonly updateListeners = new Set<UpdateListener>();
  /** Whether Yjs encodes transactions for `updateV2` (see applyUpdate). */
  private encoding = false;
  /** Set while `applyUpdate` runs: what its own (remote) transaction did. */
  private applied: { changed: boolean; tr: Y.Transaction | null } | null = null;
  private lastAt = 0;

  constructor(options: ClusterStateOptions) {
    if (!options.nodeId || options.nodeId.includes('\u0000'))
      throw new TypeError('nodeId must be a non-empty string');
    this.nodeId = options.nodeId;
    this.clock = options.clock;
    this.onListenerError = options.onListenerError;
    this.doc = new Y.Doc({ gc: true });
    // Each family's schema is checked on every entry, remote or local (validate.ts).
    this.projects = new RegisterMap(this.doc.getMap(MAPS.projects), 1, isProjectEntry);
    this.scale = new RegisterMap(this.doc.getMap(MAPS.scale), 2, isScaleEntry);
    this.stopped = new RegisterMap(this.doc.getMap(MAPS.stopped), 2, isStoppedEntry);
    this.secrets = new RegisterMap(this.doc.getMap(MAPS.secrets), 2, isSecretEntry);
    this.nodes = new RegisterMap(this.doc.getMap(MAPS.nodes), 1, isNodeStatusEntry);
    this.observe(this.projects, (parts, local) => {
      const w = this.projects.get(parts);
      const kind = w && !w.removed ? 'project-put' : 'project-removed';
      return { kind, project: parts[0]!, local };
    });
    this.observe(this.scale, (p, local) => ({ kind: 'scale', project: p[0]!, service: p[1]!, local }));
    this.observe(this.stopped, (p, local) => ({ kind: 'stopped', project: p[0]!, service: p[1]!, local }));
    this.observe(this.secrets, (p, local) => ({ kind: 'secret', project: p[0]!, name: p[1]!, local }));
    this.observe(this.nodes, (p, local) => ({ kind: 'node-status', nodeId: p[0]!, local }));
    // Yjs encodes every transaction again for its `updateV2` listeners. The update of a
    // transaction applied from bytes is those bytes, so applyUpdate hands them on instead
    // and Yjs is kept from encoding it: the listener is taken off once that transaction is
    // cleaned up, and put back before the next one (local writes made by change listeners
    // during the apply) is encoded.
    this.doc.on('afterTransactionCleanup', (tr: Y.Transaction) => {
      if (tr.local || !this.applied || this.applied.tr !== null) return;
      this.applied.tr = tr;
      this.applied.changed = hasContent(tr);
      this.setEncoding(false);
    });
    this.doc.on('beforeObserverCalls', () => this.setEncoding(true));
    this.doc.on('afterAllTransactions', () => this.setEncoding(true));
  }

  // ---- projects ----

  /** Defines (or redefines) a project; `spec.name` must be a non-empty string. */
  putProject(spec: unknown): void {
    const name = projectName(spec);
    const stamp = this.stamp();
    const floor = this.floor(name);
    this.doc.transact(() => {
      this.projects.write([name], { ...stamp, spec, ...(floor ? { floor } : {}) });
      this.projects.prune([name], (e) => e.node !== this.nodeId && later(stamp, e));
    });
  }

  /** Removes a project: wins over every older definition and kills its older overrides. */
  removeProject(name: string): void {
    checkName(name);
    const stamp = this.stamp();
    this.doc.transact(() => {
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

  /**
   * Whether this replica has heard of the project at all: defined, or removed (a removal is
   * remembered). A project it never heard of is one whose record it may have lost.
   */
  knowsProject(name: string): boolean {
    return this.projects.get([name]) !== undefined;
  }

  /**
   * Whether some applied updates wait for an earlier one this replica lacks (Yjs keeps them
   * pending): they take effect once it arrives, e.g. from a peer.
   */
  hasPending(): boolean {
    return this.doc.store.pendingStructs !== null || this.doc.store.pendingDs !== null;
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

  /** Writes this node's own status entry (no write when nothing changed). */
  setNodeStatus(status: NodeStatus): void {
    if (!isNodeStatus(status)) throw new TypeError('invalid node status');
    const current = this.nodes.get([this.nodeId]);
    if (current && JSON.stringify(current.status) === JSON.stringify(status)) return;
    const stamp = this.stamp();
    this.doc.transact(() => this.nodes.write([this.nodeId], { ...stamp, status: structuredClone(status) }));
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

  // ---- bytes in, bytes out ----

  stateVector(): Uint8Array {
    return Y.encodeStateVector(this.doc);
  }

  /** Everything this replica has that a replica at `sinceSv` lacks (all of it without one). */
  encodeUpdate(sinceSv?: Uint8Array): Uint8Array {
    try {
      return Y.encodeStateAsUpdateV2(this.doc, sinceSv);
    } catch (cause) {
      throw new UpdateDecodeError('state vector does not decode', { cause });
    }
  }

  /** Applies a remote (or stored) update; `origin` tags it so it is not re-broadcast.
   * `onUpdate` listeners get `bytes` themselves when they changed something (or left parts
   * waiting for a missing dependency: those must reach the log too, since the update that
   * later completes them carries only its own bytes). `checked`: the bytes were decoded
   * before (the store's own CRC-checked log), so the first full decode is skipped. */
  applyUpdate(bytes: Uint8Array, origin: unknown, checked = false): void {
    const outer = this.applied;
    const applied: { changed: boolean; tr: Y.Transaction | null } = { changed: false, tr: null };
    this.applied = applied;
    let failure: unknown = null;
    try {
      // Decoded whole first: Yjs integrates the structs of an update before it reads the
      // rest, so bytes broken further on would otherwise change part of the document before
      // failing (34 of the 35 such single-byte mutations in update-bytes.test.ts fail here).
      if (!checked) Y.decodeUpdateV2(bytes);
      Y.applyUpdateV2(this.doc, bytes, origin);
    } catch (cause) {
      failure = cause;
    } finally {
      this.applied = outer;
      this.setEncoding(true);
    }
    if (failure === null) {
      const pending = this.doc.store.pendingStructs !== null || this.doc.store.pendingDs !== null;
      // A copy: the caller's buffer (a network frame) may be reused once we return.
      if (applied.changed || pending) this.emitUpdate(bytes.slice(), origin, false);
      return;
    }
    // After a failed apply (bytes that do not decode, or a change listener that threw —
    // which may hide a decode error) nothing is handed on. What such bytes changed before
    // failing stays in memory only: Yjs's own encoding of it can fail to decode again (the
    // fuzz test in update-bytes.test.ts finds such bytes), and a log record that does not
    // decode would cut the log on reopen, with every acknowledged change after it.
    if (failure instanceof ListenerError) throw failure;
    throw new UpdateDecodeError(`update of ${bytes.length} bytes does not decode`, { cause: failure });
  }

  static merge(updates: Uint8Array[]): Uint8Array {
    try {
      return Y.mergeUpdatesV2(updates);
    } catch (cause) {
      throw new UpdateDecodeError('updates do not merge', { cause });
    }
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
    const listener: UpdateListener = (update, origin, local) => cb(update, origin, local);
    this.updateListeners.add(listener);
    this.setEncoding(true);
    return () => {
      this.updateListeners.delete(listener);
      if (this.updateListeners.size === 0) this.setEncoding(false);
    };
  }

  on(event: 'change', cb: Listener): () => void {
    if (event !== 'change') throw new TypeError(`unknown event ${String(event)}`);
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  off(event: 'change', cb: Listener): void {
    if (event === 'change') this.listeners.delete(cb);
  }

  destroy(): void {
    this.listeners.clear();
    this.updateListeners.clear();
    this.setEncoding(false);
    this.doc.destroy();
  }

  // ---- internals ----

  private readonly onDocUpdate = (update: Uint8Array, origin: unknown, _doc: Y.Doc, tr: Y.Transaction) =>
    this.emitUpdate(update, origin, tr.local);

  private emitUpdate(update: Uint8Array, origin: unknown, local: boolean): void {
    for (const l of [...this.updateListeners]) l(update, origin, local);
  }

  /** Yjs encodes a transaction for `updateV2` only when that event has a listener. */
  private setEncoding(on: boolean): void {
    const want = on && this.updateListeners.size > 0;
    if (want === this.encoding) return;
    this.encoding = want;
    if (want) this.doc.on('updateV2', this.onDocUpdate);
    else this.doc.off('updateV2', this.onDocUpdate);
  }

  /** A stamp later than the clock's reading and than every stamp seen so far. */
  private stamp(): Stamp {
    const seen = Math.max(
      this.lastAt,
      this.projects.maxAt,
      this.scale.maxAt,
      this.stopped.maxAt,
      this.secrets.maxAt,
      this.nodes.maxAt,
    );
    const now = Math.floor(this.clock());
    this.lastAt = now > seen ? now : seen + 1;
    return { at: this.lastAt, node: this.nodeId };
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
    const stamp = this.stamp();
    this.doc.transact(() => {
      reg.write([project, key], { ...stamp, ...payload });
      reg.prune([project, key], (e) => e.node !== this.nodeId && later(stamp, e));
    });
  }

  private liveOverride(reg: RegisterMap, project: string, key: string): Entry | undefined {
    const e = reg.get([project, key]);
    if (!e) return undefined;
    const floor = this.floor(project);
    return floor && !later(e, floor) ? undefined : e;
  }

  private observe(reg: RegisterMap, toChange: (parts: string[], local: boolean) => StateChange): void {
    reg.map.observe((event) => {
      const touched = reg.refresh(event.keysChanged);
      if (this.listeners.size === 0) return;
      // A throwing listener must not starve the others of the change, nor make a good
      // remote update look like one that does not decode.
      let failed: { err: unknown; change: StateChange } | undefined;
      for (const parts of touched) {
        const change = toChange(parts, event.transaction.local);
        for (const l of [...this.listeners]) {
          try {
            l(change);
          } catch (err) {
            if (this.onListenerError) this.onListenerError(err, change);
            else failed ??= { err, change };
          }
        }
      }
      if (failed) {
        throw new ListenerError(`a change listener threw on ${failed.change.kind}: ${String(failed.err)}`, {
          cause: failed.err,
        });
      }
    });
  }
}

/** As Yjs decides whether a transaction has an update to emit. */
function hasContent(tr: Y.Transaction): boolean {
  if (tr.deleteSet.clients.size > 0) return true;
  for (const [client, clock] of tr.afterState) if (tr.beforeState.get(client) !== clock) return true;
  return false;
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
