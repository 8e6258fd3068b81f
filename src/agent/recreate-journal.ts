/**
 * The force-recreate journal: `fizz up --force-recreate` removes every container of its
 * services and makes them again; an agent killed in between would leave them removed or
 * exited until the next `up`. So the `up` writes `{project, services}` to
 * FIZZ_HOME/recreates.json (atomically, as the down journal) before its pass and clears it
 * after; an agent that starts finishes every journaled one: a pass that recreates those
 * services and starts what is exited or missing. Recreating one already recreated again is
 * harmless: the user asked for new containers.
 */
import { readJsonFile, SerialWriter } from './json-file.js';

export interface RecreateEntry {
  project: string;
  /** `project/service` keys, as the pass takes them. */
  services: string[];
}

export interface RecreateJournal {
  list(): RecreateEntry[];
  /** Durable once it resolves. */
  add(entry: RecreateEntry): Promise<void>;
  remove(project: string): Promise<void>;
}

export class MemoryRecreateJournal implements RecreateJournal {
  protected readonly entries = new Map<string, RecreateEntry>();
  list(): RecreateEntry[] {
    return [...this.entries.values()];
  }
  async add(entry: RecreateEntry): Promise<void> {
    this.entries.set(entry.project, entry);
  }
  async remove(project: string): Promise<void> {
    this.entries.delete(project);
  }
}

function isEntry(v: unknown): v is RecreateEntry {
  const o = v as Record<string, unknown> | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.project === 'string' &&
    Array.isArray(o.services) &&
    o.services.every((s) => typeof s === 'string')
  );
}

/** One small JSON file rewritten whole and atomically; an unreadable one reads as empty (`onCorrupt`). */
export class FileRecreateJournal extends MemoryRecreateJournal {
  private readonly writer: SerialWriter;

  constructor(
    readonly path: string,
    onCorrupt: (reason: string) => void = () => {},
  ) {
    super();
    this.writer = new SerialWriter(path);
    const parsed = readJsonFile(path, onCorrupt) as { recreates?: unknown } | undefined;
    if (parsed === undefined) return;
    const list = parsed?.recreates;
    if (!Array.isArray(list)) {
      onCorrupt('no "recreates" list');
      return;
    }
    for (const e of list) if (isEntry(e)) this.entries.set(e.project, e);
  }

  override async add(entry: RecreateEntry): Promise<void> {
    await super.add(entry);
    await this.save();
  }

  override async remove(project: string): Promise<void> {
    if (!this.entries.has(project)) return;
    await super.remove(project);
    await this.save();
  }

  private save(): Promise<void> {
    return this.writer.write(`${JSON.stringify({ version: 1, recreates: this.list() })}\n`);
  }
}
