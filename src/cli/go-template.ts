/**
 * `--format` as docker takes it, for `ps`, `ls` and `images`: a Go template over each row's
 * fields (`{{.Name}} {{.State}}`, `{{json .}}`, `{{.Name | upper}}`), or `table …` for
 * aligned columns with a header (`table {{.Name}}\t{{.Status}}`). A small evaluator, not Go's
 * `text/template`: fields, string and number literals, pipelines and docker's functions
 * (json, upper, lower, title, join, split, truncate, pad, println). It runs no code, and a
 * field the rows do not have is an error before anything is printed, naming the valid ones.
 */
import { UsageError } from 'clipanion';
import { renderTable } from './table.js';

/** The format is not one Fizz can apply. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

type Value = unknown;

type Operand = { kind: 'field'; path: string[] } | { kind: 'literal'; value: Value };
interface Call {
  fn: string | undefined;
  args: Operand[];
}
type Node = { kind: 'text'; text: string } | { kind: 'action'; pipeline: Call[] };

const FUNCTIONS: Record<string, { arity: [number, number]; run: (...args: Value[]) => Value }> = {
  json: { arity: [1, 1], run: (v) => JSON.stringify(v ?? null) },
  upper: { arity: [1, 1], run: (v) => goString(v).toUpperCase() },
  lower: { arity: [1, 1], run: (v) => goString(v).toLowerCase() },
  title: { arity: [1, 1], run: (v) => goString(v).replace(/\b\w/g, (c) => c.toUpperCase()) },
  join: {
    arity: [2, 2],
    run: (list, sep) => (Array.isArray(list) ? list.map(goString).join(goString(sep)) : goString(list)),
  },
  split: { arity: [2, 2], run: (s, sep) => goString(s).split(goString(sep)) },
  // docker's truncate and pad take the number last, after the value: `truncate .ID 12`.
  truncate: { arity: [2, 2], run: (s, n) => [...goString(s)].slice(0, Math.max(0, Number(n))).join('') },
  pad: { arity: [3, 3], run: (s, l, r) => `${' '.repeat(Number(l))}${goString(s)}${' '.repeat(Number(r))}` },
  println: { arity: [0, 9], run: (...vs) => `${vs.map(goString).join(' ')}\n` },
};

const KEYWORDS = new Set([
  'if',
  'else',
  'end',
  'range',
  'with',
  'define',
  'template',
  'block',
  'break',
  'continue',
]);

/** A value as Go's text/template prints it: `[a b]` for lists, `map[k:v]` for maps, `<no value>` for nothing. */
export function goString(v: Value): string {
  if (v === undefined || v === null) return '<no value>';
  if (Array.isArray(v)) return `[${v.map(goString).join(' ')}]`;
  if (typeof v === 'object')
    return `map[${Object.keys(v as object)
      .sort()
      .map((k) => `${k}:${goString((v as Record<string, Value>)[k])}`)
      .join(' ')}]`;
  return String(v);
}

/** `\t` and `\n` typed on a command line (two characters) are the tab and newline, as docker reads them. */
function typedEscapes(text: string): string {
  return text.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
}

function splitWords(action: string): string[] {
  const words: string[] = [];
  const re = /\s*("(?:[^"\\]|\\.)*"|`[^`]*`|\||[^\s|"`]+)/gy;
  let m: RegExpExecArray | null;
  let at = 0;
  for (;;) {
    re.lastIndex = at;
    m = re.exec(action);
    if (!m) break;
    words.push(m[1]!);
    at = re.lastIndex;
  }
  if (action.slice(at).trim() !== '')
    throw new TemplateError(`--format: cannot read "${action.slice(at).trim()}"`);
  return words;
}

function operand(word: string, fields: ReadonlySet<string>): Operand {
  if (word === '.') return { kind: 'field', path: [] };
  if (word.startsWith('.')) {
    const path = word.slice(1).split('.');
    if (path.some((p) => !/^[A-Za-z_]\w*$/.test(p)))
      throw new TemplateError(`--format: "${word}" is not a field`);
    if (!fields.has(path[0]!))
      throw new TemplateError(
        `--format: no field "${path[0]}"; the fields are ${[...fields].map((f) => `.${f}`).join(', ')}`,
      );
    return { kind: 'field', path };
  }
  if (word.startsWith('"')) {
    try {
      return { kind: 'literal', value: JSON.parse(word) };
    } catch {
      throw new TemplateError(`--format: bad string ${word}`);
    }
  }
  if (word.startsWith('`')) return { kind: 'literal', value: word.slice(1, -1) };
  if (/^-?\d+$/.test(word)) return { kind: 'literal', value: Number(word) };
  if (word === 'true' || word === 'false') return { kind: 'literal', value: word === 'true' };
  throw new TemplateError(`--format: "${word}" is neither a field (.Name), a literal nor a function`);
}

function parseAction(action: string, fields: ReadonlySet<string>): Call[] {
  const words = splitWords(action);
  if (words.length === 0) throw new TemplateError('--format: an empty {{ }}');
  if (KEYWORDS.has(words[0]!))
    throw new TemplateError(
      `--format: "{{${words[0]}}}" is not supported; Fizz's --format takes fields and the functions ${Object.keys(FUNCTIONS).join(', ')}`,
    );
  const calls: Call[] = [];
  let current: string[] = [];
  const flush = () => {
    if (current.length === 0) throw new TemplateError(`--format: an empty pipeline stage in "{{${action}}}"`);
    const [head, ...rest] = current;
    if (Object.hasOwn(FUNCTIONS, head!)) calls.push({ fn: head, args: rest.map((w) => operand(w, fields)) });
    else if (rest.length > 0 || /^[a-z]\w*$/.test(head!))
      throw new TemplateError(
        `--format: unknown function "${head}"; the functions are ${Object.keys(FUNCTIONS).join(', ')}`,
      );
    else calls.push({ fn: undefined, args: [operand(head!, fields)] });
    current = [];
  };
  for (const w of words) {
    if (w === '|') flush();
    else current.push(w);
  }
  flush();
  calls.forEach((c, i) => {
    if (c.fn === undefined) {
      if (i > 0) throw new TemplateError(`--format: after "|" comes a function, not "${action}"`);
      return;
    }
    // A later stage gets the previous stage's value as its last argument.
    const n = c.args.length + (i > 0 ? 1 : 0);
    const [min, max] = FUNCTIONS[c.fn]!.arity;
    if (n < min || n > max)
      throw new TemplateError(
        `--format: ${c.fn} wants ${min === max ? min : `${min} to ${max}`} argument(s), not ${n}`,
      );
  });
  return calls;
}

function parse(format: string, fields: ReadonlySet<string>): Node[] {
  const nodes: Node[] = [];
  let at = 0;
  while (at < format.length) {
    const open = format.indexOf('{{', at);
    if (open < 0) {
      nodes.push({ kind: 'text', text: format.slice(at) });
      break;
    }
    let text = format.slice(at, open);
    const close = format.indexOf('}}', open + 2);
    if (close < 0) throw new TemplateError(`--format: "{{" at ${open} is never closed with "}}"`);
    let inner = format.slice(open + 2, close);
    let after = close + 2;
    // `{{- ` and ` -}}` trim the white space beside them, as in Go.
    if (inner.startsWith('- ')) {
      text = text.trimEnd();
      inner = inner.slice(2);
    }
    if (inner.endsWith(' -')) {
      inner = inner.slice(0, -2);
      while (after < format.length && /\s/.test(format[after]!)) after++;
    }
    if (text) nodes.push({ kind: 'text', text });
    nodes.push({ kind: 'action', pipeline: parseAction(inner.trim(), fields) });
    at = after;
  }
  return nodes;
}

function resolve(op: Operand, row: Record<string, Value>): Value {
  if (op.kind === 'literal') return op.value;
  let v: Value = row;
  for (const key of op.path)
    v = v !== null && typeof v === 'object' ? (v as Record<string, Value>)[key] : undefined;
  return v;
}

function evaluate(nodes: Node[], row: Record<string, Value>): string {
  let out = '';
  for (const n of nodes) {
    if (n.kind === 'text') {
      out += n.text;
      continue;
    }
    let value: Value;
    n.pipeline.forEach((c, i) => {
      const args = c.args.map((a) => resolve(a, row));
      if (i > 0) args.push(value);
      value = c.fn === undefined ? args[0] : FUNCTIONS[c.fn]!.run(...args);
    });
    out += goString(value);
  }
  return out;
}

export interface Formatted {
  /** `table …`: cells split at tabs, aligned, under a header. */
  table: boolean;
  nodes: Node[];
}

/** Parses a `--format` template over rows that have `fields`; throws TemplateError. */
export function parseFormat(format: string, fields: readonly string[]): Formatted {
  const table = /^table(\s|$)/.test(format);
  const body = typedEscapes(table ? format.replace(/^table\s*/, '') : format);
  return { table, nodes: parse(body, new Set(fields)) };
}

/**
 * The rows through the template: one line each, or with `table` an aligned table whose
 * header names each column's field (`headers[field]`, else the field in capitals).
 */
export function renderFormat(
  f: Formatted,
  rows: Array<Record<string, Value>>,
  headers: Record<string, string>,
): string {
  if (!f.table) return rows.map((r) => `${evaluate(f.nodes, r)}\n`).join('');
  const cells = (r: Record<string, Value>) => evaluate(f.nodes, r).split('\t');
  return renderTable(headerText(f.nodes, headers).split('\t'), rows.map(cells));
}

/** The header line: each action named by the field it starts from (`{{.RunningFor}}` → CREATED). */
function headerText(nodes: Node[], headers: Record<string, string>): string {
  return nodes
    .map((n) => {
      if (n.kind === 'text') return n.text;
      const first = n.pipeline[0]!;
      const op = first.args[0];
      if (op?.kind !== 'field' || op.path.length === 0) return (first.fn ?? '').toUpperCase();
      const name = op.path.join('.');
      return headers[name] ?? name.replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
    })
    .join('');
}

/**
 * A command's `--format`: `table` and `json` are its own; anything else is a template over
 * rows with `fields`, parsed now so a bad one is a usage error before anything runs.
 */
export function formatOption(format: string, fields: readonly string[]): 'table' | 'json' | Formatted {
  if (format === 'table' || format === 'json') return format;
  // A template with no action prints the same words for every row: surely a mistake (`yaml`).
  if (!format.includes('{{'))
    throw new UsageError(`--format wants table, json or a Go template such as '{{.Name}}', not "${format}"`);
  try {
    return parseFormat(format, fields);
  } catch (err) {
    if (err instanceof TemplateError) throw new UsageError(err.message);
    throw err;
  }
}
