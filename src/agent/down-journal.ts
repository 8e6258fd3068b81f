/**
 * The down journal: `fizz down` requests that have begun and not finished, kept durably in
 * FIZZ_HOME/downs.json. A down writes its entry (fsync + rename + fsync of the directory)
 * before it touches the state or the engine and clears it once everything is removed; an
 * agent that starts finishes every journaled down, so an agent killed half-way (containers
 * removed, networks or volumes not yet) leaves nothing behind for good.
 */
import type { ProjectSpec } from '../compose/types.js';
import { readJsonFile, SerialWriter } from './json-file.js';

export interface DownEntry {
  project: string;
  /** `fizz down -v`: named volumes go too. */
  volumes: boolean;
  /** The spec as it was when the down began (reverse dependency order on resume). */
  spec?: ProjectSpec;
  /**
   * The down had removed the project from the state (durably): a project the state holds
   * when the down is resumed was brought back later, and the down is dropped.
   */
  stateRemoved?: boolean;
}

/** Where unfinished downs are kept. `MemoryDownJournal` for tests; `FileDownJournal` for the daemon. */
export interface DownJournal {
  list(): DownEntry[];
  /** Durable once it resolves. */
  add(entry: DownEntry): Promise<void>;
  remove(project: string): Promise<void>;
}

export class MemoryDownJournal implements DownJournal {
  private readonly entries = new Map<string, DownEntry>();
  list(): DownEntry[] {
    return [...this.entries.values()];
  }
  async add(entry: DownEntry): Promise<void> {
    this.entries.set(entry.project, entry);
  }
  async remove(project: string): Promise<void> {
    this.entries.delete(project);
  }
}

function isEntry(v: unknown): v is DownEntry {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return (
    typeof o.project === 'string' &&
    typeof o.volumes === 'boolean' &&
    (o.spec === undefined || (typeof o.spec === 'object' && o.spec !== null)) &&
    (o.stateRemoved === undefined || typeof o.stateRemoved === 'boolean')
  );
}

/**
 * The journal as one small JSON file, rewritten whole and atomically on every change. An
 * unreadable file (torn by a crash of an older version, edited by hand) reads as empty
 * rather than stopping the agent; `onCorrupt` says so.
 */
export class FileDownJournal implements DownJournal {
  private readonly entries = new Map<string, DownEntry>();
  private readonly writer: SerialWriter;

  constructor(
    readonly path: string,
    onCorrupt: (reason: string) => void = () => {},
  ) {
    this.writer = new SerialWriter(path);
    const parsed = readJsonFile(path, onCorrupt) as { downs?: unknown } | undefined;
    if (parsed === undefined) return;
    const list = Array.isArray(parsed?.downs) ? parsed.downs : [];
    for (const e of list) if (isEntry(e)) this.entries.set(e.project, e);
    if (!Array.isArray(parsed?.downs)) onCorrupt('no "downs" list');
  }

  list(): DownEntry[] {
    return [...this.entries.values()];
  }

  add(entry: DownEntry): Promise<void> {
    this.entries.set(entry.project, entry);
    return this.save();
  }

  remove(project: string): Promise<void> {
    if (!this.entries.delete(project)) return this.writer.idle();
    return this.save();
  }

  /** Writes are serialized; each writes the entries as they are when it is asked. */
  private save(): Promise<void> {
    return this.writer.write(`${JSON.stringify({ version: 1, downs: this.list() })}\n`);
  }
}
