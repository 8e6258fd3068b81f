/**
 * The compose files each project was last brought up from through this agent, for the
 * CONFIG FILES column of `fizz ls`. The paths are this machine's, so they stay node-local
 * (FIZZ_HOME/config-files.json) rather than in the replicated state.
 */
import { readJsonFile, SerialWriter } from './json-file.js';

export interface ProjectFiles {
  get(project: string): string[];
  set(project: string, files: string[]): Promise<void>;
  delete(project: string): Promise<void>;
}

export class MemoryProjectFiles implements ProjectFiles {
  protected readonly files = new Map<string, string[]>();
  get(project: string): string[] {
    return this.files.get(project) ?? [];
  }
  async set(project: string, files: string[]): Promise<void> {
    this.files.set(project, [...files]);
  }
  async delete(project: string): Promise<void> {
    this.files.delete(project);
  }
}

/**
 * One small JSON file, rewritten whole and atomically. An unreadable one reads as empty (the
 * column is only informative); `onCorrupt` says so, so the caller can keep a copy and warn.
 */
export class FileProjectFiles extends MemoryProjectFiles {
  private readonly writer: SerialWriter;

  constructor(
    readonly path: string,
    onCorrupt: (reason: string) => void = () => {},
  ) {
    super();
    this.writer = new SerialWriter(path);
    const parsed = readJsonFile(path, onCorrupt) as { projects?: unknown } | undefined;
    if (parsed === undefined) return;
    const projects = parsed?.projects;
    if (typeof projects !== 'object' || projects === null) {
      onCorrupt('no "projects" map');
      return;
    }
    for (const [name, list] of Object.entries(projects))
      if (Array.isArray(list) && list.every((f) => typeof f === 'string')) this.files.set(name, list);
  }

  override async set(project: string, files: string[]): Promise<void> {
    const same = JSON.stringify(this.get(project)) === JSON.stringify(files);
    await super.set(project, files);
    if (!same) await this.save();
  }

  override async delete(project: string): Promise<void> {
    if (!this.files.has(project)) return;
    await super.delete(project);
    await this.save();
  }

  private save(): Promise<void> {
    return this.writer.write(`${JSON.stringify({ version: 1, projects: Object.fromEntries(this.files) })}\n`);
  }
}
