/**
 * One Yjs document of a ClusterState with its register families (layout in lww.ts), each
 * observed into the change feed, and its update bytes (doc-updates.ts). Listeners live in
 * the ClusterState, so that they outlive a document.
 */
import * as Y from 'yjs';
import type { ChangeFeed, ToChange, Touched } from './change-feed.js';
import { DocUpdates, type UpdateListener } from './doc-updates.js';
import { RegisterMap } from './register-map.js';
import {
  isNodeStatusEntry,
  isProjectEntry,
  isScaleEntry,
  isSecretEntry,
  isStoppedEntry,
} from './validate.js';

/** The Y.Map names inside the document; part of the stored format. */
const MAPS = {
  projects: 'projects/1',
  scale: 'scale/1',
  stopped: 'stopped/1',
  secrets: 'secrets/1',
  nodes: 'nodes/1',
};

export class DocState {
  readonly doc = new Y.Doc({ gc: true });
  readonly updates: DocUpdates;
  readonly projects: RegisterMap;
  readonly scale: RegisterMap;
  readonly stopped: RegisterMap;
  readonly secrets: RegisterMap;
  readonly nodes: RegisterMap;
  /** Each register family with the change event its touched keys make. */
  readonly families: Array<{ reg: RegisterMap; toChange: ToChange }> = [];

  constructor(
    clock: () => number,
    private readonly changes: ChangeFeed,
    listeners: ReadonlySet<UpdateListener>,
    /** While true, changes only update the indexes: no change events, no update bytes (a
     * document being built, or one kept a while after it was replaced; epoch.ts). */
    private quiet = false,
  ) {
    this.updates = new DocUpdates(this.doc, listeners, quiet);
    // Each family's schema is checked on every entry, remote or local (validate.ts).
    const map = (name: string) => this.doc.getMap<unknown>(name);
    this.projects = new RegisterMap(map(MAPS.projects), 1, isProjectEntry, clock);
    this.scale = new RegisterMap(map(MAPS.scale), 2, isScaleEntry, clock);
    this.stopped = new RegisterMap(map(MAPS.stopped), 2, isStoppedEntry, clock);
    this.secrets = new RegisterMap(map(MAPS.secrets), 2, isSecretEntry, clock);
    this.nodes = new RegisterMap(map(MAPS.nodes), 1, isNodeStatusEntry, clock);
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

  /** The greatest stamp time counted in any family. */
  maxAt(): number {
    let seen = 0;
    for (const { reg } of this.families) seen = Math.max(seen, reg.maxAt);
    return seen;
  }

  /** Entries set aside as too far ahead that the clock has come within range of, by family. */
  admitDue(): Touched[] {
    const out: Touched[] = [];
    for (const { reg, toChange } of this.families) {
      const touched = reg.admitDue();
      if (touched.length > 0) out.push({ toChange, touched });
    }
    return out;
  }

  /** Starts handing on changes (a document built quietly that is now the current one). */
  speak(): void {
    this.quiet = false;
    this.updates.unmute();
  }

  /** Hands on nothing more (the document was replaced). */
  retire(): void {
    this.quiet = true;
    this.updates.mute();
  }

  /** Every logical key of every family. */
  allKeys(): Touched[] {
    return this.families.map(({ reg, toChange }) => ({ toChange, touched: reg.keys() }));
  }

  /** How many Yjs structs the document holds: what its load time and memory grow with. */
  structs(): number {
    let n = 0;
    for (const structs of this.doc.store.clients.values()) n += structs.length;
    return n;
  }

  destroy(): void {
    this.updates.mute();
    this.doc.destroy();
  }

  private observe(reg: RegisterMap, toChange: ToChange): void {
    this.families.push({ reg, toChange });
    reg.map.observe((event) => {
      const touched = reg.refresh(event.keysChanged);
      if (!this.quiet) this.changes.notify([{ toChange, touched }], event.transaction.local);
    });
  }
}
