/**
 * Collects loader errors with the key path they concern, so that every error of a file is
 * reported (not only the first) and each is placed at file:line:col once all sources are known.
 */
import type { ComposeError } from './errors.js';
import { formatPath, locatePath, type Segment, type SourceFile } from './yaml-source.js';

interface Pending {
  error: ComposeError;
  path?: readonly Segment[];
  source?: SourceFile;
  /** Point at the key rather than its value (unknown keys). */
  atKey?: boolean;
}

export class Issues {
  private readonly pending: Pending[] = [];

  /** Records `error` about the value at `path`, found in `source` when known. */
  add(error: ComposeError, path?: readonly Segment[], source?: SourceFile, atKey = false): void {
    this.pending.push({ error, path, source, atKey });
  }

  get size(): number {
    return this.pending.length;
  }

  /** Key paths of the errors recorded since `index` (as `services.web.ports[1]`). */
  pathsSince(index: number): string[] {
    return this.pending.slice(index).flatMap((p) => (p.path ? [formatPath(p.path)] : []));
  }

  /** The errors recorded since `index`, with the key path each concerns. */
  since(index: number): ReadonlyArray<{ error: ComposeError; path?: readonly Segment[] }> {
    return this.pending.slice(index);
  }

  /** Moves the errors whose key path passes `keep` into `other`, placed in `source`. */
  moveTo(other: Issues, source: SourceFile | undefined, keep: (path: string) => boolean): void {
    for (const p of this.pending)
      if (p.path && keep(formatPath(p.path))) other.add(p.error, p.path, p.source ?? source, p.atKey);
  }

  /** The errors with file, line, column and path filled in from `sources` (last file first). */
  resolve(sources: readonly SourceFile[]): ComposeError[] {
    const fileOrder = new Map(sources.map((s, i) => [s.file, i] as const));
    const rank = (e: ComposeError) => [
      fileOrder.get(e.file ?? '') ?? sources.length,
      e.line ?? 1e9,
      e.column ?? 0,
    ];
    // One report per problem: a file reached twice (by -f and by extends) is checked twice.
    const seen = new Set<string>();
    const unique = this.located(sources).filter((e) => {
      const key = `${e.name}\0${e.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    // In file order, then line order (a stable sort keeps the order of errors at one place).
    return unique.sort((a, b) => {
      const ra = rank(a);
      const rb = rank(b);
      return ra[0]! - rb[0]! || ra[1]! - rb[1]! || ra[2]! - rb[2]!;
    });
  }

  private located(sources: readonly SourceFile[]): ComposeError[] {
    return this.pending.map(({ error, path, source, atKey }) => {
      if (!path) return source && !error.file ? error.withDetails({ file: source.file }) : error;
      const candidates = source ? [source] : [...sources].reverse();
      let best: ReturnType<typeof locatePath>;
      for (const s of candidates) {
        const loc = locatePath(s, path, atKey);
        if (loc && (!best || loc.exact)) best = loc;
        if (loc?.exact) break;
      }
      return error.withDetails({
        path: error.path ?? formatPath(path),
        // An error that already names its own file (an env file) keeps its own position.
        file: error.file ?? best?.file ?? source?.file,
        line: error.file ? error.line : (error.line ?? best?.line),
        column: error.file ? error.column : (error.column ?? best?.column),
      });
    });
  }
}
