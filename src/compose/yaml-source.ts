/**
 * Reads one compose file's YAML into plain data, keeping the document so that any key path
 * can later be turned into file:line:col. Anchors, aliases and `<<` merge keys are resolved
 * here; the compose tags `!reset` and `!override` become marker objects for the merge.
 */
import {
  type Alias,
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  visit,
} from 'yaml';
import { ComposeEmptyFileError, type ComposeError, ComposeYamlError, type SourceLocation } from './errors.js';
import { pathAt, yamlSyntaxError } from './yaml-errors.js';

/** `!reset` on a value: the merged value is removed (or emptied). */
export class ResetTag {
  constructor(readonly value: unknown) {}
}
/** `!override` on a value: the merged value replaces instead of merging. */
export class OverrideTag {
  constructor(readonly value: unknown) {}
}

export type Segment = string | number;

export interface SourceFile {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

/** The plain data of a file, or the errors that stopped it. */
export interface ParsedFile {
  source: SourceFile;
  data: Record<string, unknown>;
}

/** Aliases expanded per file, bounded so a "billion laughs" document cannot exhaust memory. */
const MAX_ALIAS_NODES = 1_000_000;

export function parseComposeYaml(
  text: string,
  file: string,
): { parsed?: ParsedFile; errors: ComposeError[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const source: SourceFile = { file, doc, lines };
  if (doc.errors.length > 0) {
    // One error per line: the parser's follow-on complaints about the same spot are noise.
    const errors = doc.errors.map((e) => yamlSyntaxError(e, text, file, lines));
    return { errors: errors.filter((e, i) => errors.findIndex((o) => o.line === e.line) === i) };
  }
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    return { errors: [new ComposeEmptyFileError('empty compose file', { file })] };
  }
  if (!isMap(doc.contents)) {
    const at = locateNode(source, doc.contents);
    return { errors: [new ComposeYamlError('top-level object must be a mapping', { file, ...at })] };
  }
  const budget = { left: MAX_ALIAS_NODES };
  try {
    const data = toPlain(doc.contents, anchorResolver(doc), budget) as Record<string, unknown>;
    return { parsed: { source, data }, errors: [] };
  } catch (err) {
    if (err instanceof YamlWalkError) {
      const at = locateNode(source, err.node);
      const path = at.line === undefined ? [] : pathAt(text.split('\n'), at.line - 1);
      const details = {
        file,
        ...at,
        path: path.length > 0 ? formatPath(path) : undefined,
        expected: err.expected,
      };
      return { errors: [new ComposeYamlError(err.message, details)] };
    }
    throw err;
  }
}

class YamlWalkError extends Error {
  constructor(
    message: string,
    readonly node: Node | null,
    readonly expected?: string,
  ) {
    super(message);
  }
}

type Resolve = (alias: Alias) => Node | undefined;

/**
 * Resolves aliases through one map of anchors built in a single walk. (yaml's own
 * `Alias.resolve` walks the whole document for every alias: quadratic on large files.)
 */
function anchorResolver(doc: Document.Parsed): Resolve {
  const anchors = new Map<string, Array<{ at: number; node: Node }>>();
  visit(doc, {
    Node(_key, node) {
      const anchor = (node as { anchor?: string }).anchor;
      if (!anchor || isAlias(node)) return;
      const list = anchors.get(anchor) ?? [];
      list.push({ at: node.range?.[0] ?? 0, node });
      anchors.set(anchor, list);
    },
  });
  return (alias) => {
    const at = alias.range?.[0] ?? Number.POSITIVE_INFINITY;
    let found: Node | undefined;
    // The nearest definition before the alias wins (anchors may be redefined).
    for (const a of anchors.get(alias.source) ?? []) if (a.at < at) found = a.node;
    return found;
  };
}

function toPlain(node: unknown, resolveAlias: Resolve, budget: { left: number }): unknown {
  if (--budget.left < 0) throw new YamlWalkError('document too large (alias expansion)', node as Node);
  if (isAlias(node)) {
    const target = resolveAlias(node);
    if (!target)
      throw new YamlWalkError(
        `unknown alias ${node.source}`,
        node,
        `an anchor &${node.source} defined above the alias`,
      );
    return toPlain(target, resolveAlias, budget);
  }
  let value: unknown;
  if (isScalar(node)) {
    value = node.tag === '!reset' || node.tag === '!override' ? null : node.value;
    if (typeof value === 'bigint') value = Number(value);
    // Like go-yaml (docker compose's parser): a plain 0NNN integer is octal (file modes).
    if (typeof value === 'number' && node.type === 'PLAIN' && /^[-+]?0[0-7]+$/.test(node.source ?? ''))
      value = Number.parseInt(node.source!, 8);
  } else if (isMap(node)) {
    const out: Record<string, unknown> = {};
    const merged: Record<string, unknown>[] = [];
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      if (key === '<<' && isScalar(pair.key) && pair.key.type === 'PLAIN') {
        const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
        for (const s of sources) {
          const m = toPlain(s, resolveAlias, budget);
          if (
            m === null ||
            typeof m !== 'object' ||
            Array.isArray(m) ||
            m instanceof ResetTag ||
            m instanceof OverrideTag
          )
            throw new YamlWalkError(
              'merge key << needs a mapping or a list of mappings',
              (s as Node) ?? null,
            );
          merged.push(m as Record<string, unknown>);
        }
        continue;
      }
      if (key !== null && typeof key === 'object')
        throw new YamlWalkError('mapping keys must be scalars', pair.key as Node);
      const k = String(key ?? 'null');
      defineKey(out, k, toPlain(pair.value, resolveAlias, budget));
    }
    // Explicit keys win over merged ones; earlier merge sources win over later ones.
    for (const m of merged)
      for (const [k, v] of Object.entries(m)) if (!Object.hasOwn(out, k)) defineKey(out, k, v);
    value = out;
  } else if (isSeq(node)) {
    value = node.items.map((item) => toPlain(item, resolveAlias, budget));
  } else if (node === null || node === undefined) {
    value = null;
  } else {
    throw new YamlWalkError('unsupported YAML node', node as Node);
  }
  const tag = (node as { tag?: string } | null)?.tag;
  if (tag === '!reset') return new ResetTag(value);
  if (tag === '!override') return new OverrideTag(value);
  return value;
}

/** Sets a key even when it is `__proto__`, which plain assignment would not. */
export function defineKey(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

function locateNode(source: SourceFile, node: Node | null | undefined): SourceLocation {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  if (!range) return {};
  const pos = source.lines.linePos(range[0]);
  return { line: pos.line, column: pos.col };
}

/**
 * The location of the deepest existing node along `path` in `source` (and whether the whole
 * path was found). Keys are looked up by their scalar value.
 */
export function locatePath(
  source: SourceFile,
  path: readonly Segment[],
  preferKey = false,
): (SourceLocation & { exact: boolean }) | undefined {
  let node: unknown = source.doc.contents;
  let keyNode: unknown;
  let depth = 0;
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(source.doc);
    let next: unknown;
    let nextKey: unknown;
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (pair) {
        next = pair.value;
        nextKey = pair.key;
      }
    } else if (isSeq(node) && typeof seg === 'number') {
      next = node.items[seg];
    } else if (isSeq(node)) {
      // A short-syntax list read as a mapping (`networks: [front]`, `depends_on: [db]`): the item.
      next = node.items.find((i) => isScalar(i) && String(i.value) === seg);
    }
    if (next === undefined) break;
    node = next;
    keyNode = nextKey;
    depth++;
  }
  if (depth === 0) return undefined;
  // A key's own position reads better than its value's for mappings ("services.web: ...").
  const hasRange = node !== null && node !== undefined && (node as { range?: unknown }).range;
  const at = (preferKey && keyNode) || !hasRange ? keyNode : node;
  const loc = locateNode(source, (at ?? keyNode) as Node);
  return { ...loc, file: source.file, exact: depth === path.length };
}

/** `services.web.ports[1]` from path segments. */
export function formatPath(path: readonly Segment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}
