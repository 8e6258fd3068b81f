/**
 * A YAML syntax error as a loader error: placed at the first character that is not
 * indentation, with the key path of its line (read from the indentation above it) and what
 * was expected for the common mistakes.
 */
import type { LineCounter, YAMLError } from 'yaml';
import { ComposeYamlError } from './errors.js';
import { formatPath, type Segment } from './yaml-source.js';

const EXPECTED: Record<string, string> = {
  TAB_AS_INDENT: 'spaces for indentation; YAML does not allow tabs',
  BAD_INDENT: 'the items of one mapping or list at one indentation, with spaces',
  DUPLICATE_KEY: 'each key once in a mapping',
  MISSING_CHAR: 'a closing quote or bracket, or ": " after a key',
  BLOCK_AS_IMPLICIT_KEY: 'consistent indentation, and a value quoted when it contains ": "',
  MULTILINE_IMPLICIT_KEY: 'a key and its value on one line, or a list item starting with "- "',
};

export function yamlSyntaxError(
  e: YAMLError,
  text: string,
  file: string,
  lines: LineCounter,
): ComposeYamlError {
  let offset = e.pos[0];
  while (offset < text.length && (text[offset] === ' ' || text[offset] === '\t')) offset++;
  if (offset >= text.length || text[offset] === '\n') offset = e.pos[0];
  // The parser reports an unclosed quote where it gave up (often the next key or the end of
  // the file): point at the quote that was never closed instead.
  const quote = /Missing closing (["'])quote/.exec(e.message)?.[1];
  if (quote) offset = openingQuote(text, Math.min(e.pos[0], text.length), quote) ?? offset;
  const pos = lines.linePos(offset);
  const path = pathAt(text.split('\n'), pos.line - 1);
  return new ComposeYamlError(e.message.split('\n')[0]!, {
    file,
    line: pos.line,
    column: pos.col,
    path: path.length > 0 ? formatPath(path) : undefined,
    expected: EXPECTED[e.code],
  });
}

/**
 * The offset of the last quote before `at` that opens a quoted scalar and is not closed on
 * its line, looking back line by line from `at` (undefined when there is none).
 */
export function openingQuote(text: string, at: number, quote: string): number | undefined {
  let end = at;
  while (end > 0) {
    const start = text.lastIndexOf('\n', end - 1) + 1;
    const line = text.slice(start, end);
    let open: number | undefined;
    for (let i = 0; i < line.length; i++) {
      if (line[i] === '#' && open === undefined && (i === 0 || /\s/.test(line[i - 1]!))) break;
      if (line[i] !== quote) continue;
      if (open === undefined) open = i;
      else if (quote === '"' && line[i - 1] === '\\') continue;
      else if (quote === "'" && line[i + 1] === "'") i++;
      else open = undefined;
    }
    if (open !== undefined) return start + open;
    end = start - 1;
  }
  return undefined;
}

interface LineShape {
  /** Column of the first character (tabs to the next multiple of 8). */
  indent: number;
  dash: boolean;
  /** The mapping key on this line (after a dash, if any), and its column. */
  key?: string;
  keyCol: number;
}

const LINE =
  /^([ \t]*)((?:-[ \t]+)*)(?:("[^"]*"|'[^']*'|[^\s#'"\-[{][^:#]*?|-[^\s:#][^:#]*?)[ \t]*:(?:[ \t]|$))?/;

function shape(line: string | undefined): LineShape | undefined {
  if (line === undefined) return undefined;
  const trimmed = line.trim();
  if (trimmed === '' || trimmed.startsWith('#') || trimmed === '---' || trimmed === '...') return undefined;
  const m = LINE.exec(line)!;
  let indent = 0;
  for (const ch of m[1]!) indent = ch === '\t' ? indent + 8 - (indent % 8) : indent + 1;
  const dash = m[2]!.length > 0;
  const raw = m[3];
  const key = raw === undefined ? undefined : /^["']/.test(raw) ? raw.slice(1, -1) : raw;
  return { indent, dash, key, keyCol: indent + m[2]!.length };
}

/**
 * The key path of line `at` (0-based) read from the indentation of the lines above it, as a
 * reader would: the parser's own tree is not trustworthy once the syntax is broken.
 */
export function pathAt(lines: readonly string[], at: number): Segment[] {
  let i = Math.min(at, lines.length - 1);
  while (i >= 0 && !shape(lines[i])) i--;
  const own = shape(lines[i]);
  if (!own) return [];
  const path: Segment[] = [];
  if (own.key !== undefined) path.unshift(own.key);
  let threshold = own.key !== undefined ? own.keyCol : own.indent;
  let inclusive = false;
  // Line i itself may be a list item: it contains its key.
  if (own.dash) {
    path.unshift(itemIndex(lines, i, own.indent));
    threshold = own.indent;
    inclusive = true;
  }
  for (let j = i - 1; j >= 0 && threshold > 0; j--) {
    const l = shape(lines[j]);
    if (!l) continue;
    if (l.dash && l.indent < threshold) {
      if (l.key !== undefined && l.keyCol < threshold) path.unshift(l.key);
      path.unshift(itemIndex(lines, j, l.indent));
      threshold = l.indent;
      inclusive = true;
    } else if (
      !l.dash &&
      l.key !== undefined &&
      (l.indent < threshold || (inclusive && l.indent === threshold))
    ) {
      path.unshift(l.key);
      threshold = l.indent;
      inclusive = false;
    }
  }
  return path;
}

/** The index of the list item that starts on line `i` with its dash at `col`. */
function itemIndex(lines: readonly string[], i: number, col: number): number {
  let n = 0;
  for (let j = i - 1; j >= 0; j--) {
    const l = shape(lines[j]);
    if (!l) continue;
    if (l.indent < col || (!l.dash && l.indent === col && l.key !== undefined)) break;
    if (l.dash && l.indent === col) n++;
  }
  return n;
}
