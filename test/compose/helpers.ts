/** Temporary project directories for loader tests. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  ComposeLoadError,
  type LoadOptions,
  loadProject,
  type ProjectSpec,
} from '../../src/compose/index.js';

export interface TempProject {
  dir: string;
  write(rel: string, content: string): string;
  load(options?: Partial<LoadOptions>): Promise<ProjectSpec>;
  /** Loads and returns the ComposeLoadError it must throw. */
  fail(options?: Partial<LoadOptions>): Promise<ComposeLoadError>;
  cleanup(): void;
}

export function tempProject(files: Record<string, string> = {}, name = 'proj'): TempProject {
  const root = mkdtempSync(join(tmpdir(), 'fizz-compose-'));
  const dir = join(root, name);
  mkdirSync(dir);
  const write = (rel: string, content: string) => {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
    return p;
  };
  for (const [rel, content] of Object.entries(files)) write(rel, content);
  const load = (options: Partial<LoadOptions> = {}) => loadProject({ env: {}, cwd: dir, ...options });
  return {
    dir,
    write,
    load,
    async fail(options) {
      try {
        await load(options);
      } catch (err) {
        if (err instanceof ComposeLoadError) return err;
        throw err;
      }
      throw new Error('expected the load to fail');
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
