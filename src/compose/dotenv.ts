/**
 * Dotenv parsing as docker compose does it (compose-go's fork of godotenv): `KEY=value`,
 * `KEY: value`, `export KEY=value`, single quotes (literal), double quotes (escapes `\n`,
 * `\t`, `\\`, `\"`, octal `\0NNN`; `\$` for a literal `$`), multi-line quoted values, inline
 * ` #` comments on unquoted values, a bare `KEY` taken from the lookup environment, and
 * `${VAR}` expansion where the lookup environment wins over earlier lines.
 */
import { ComposeEnvFileError } from './errors.js';
import { type Lookup, substitute } from './interpolate.js';

const isSpace = (c: string) =>
  c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\f';
const KEY_PUNCT = new Set(['_', '.', '-', '[', ']']);
const LETTER_OR_NUMBER = /[\p{L}\p{N}]/u;
const ESCAPE = /\\(?:[abcfnrtv$"\\]|0\d{0,3})/g;
const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '"': '"',
  '\\': '\\',
};

/**
 * Parses dotenv text into a map, in line order. `lookup` is consulted first when expanding
 * `${VAR}` and for bare `KEY` lines. Errors carry `line N:` in their message.
 */
export function parseDotenv(
  text: string,
  lookup: Lookup = () => undefined,
  fallback: Lookup = () => undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  const state = { line: 1 };
  let rest = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const expandLookup: Lookup = (k) => lookup(k) ?? (Object.hasOwn(out, k) ? out[k] : fallback(k));
  for (;;) {
    rest = statementStart(rest, state);
    if (rest === '') break;
    const { key, left, inherited } = locateKey(rest, state);
    if (key.includes(' ')) throw new ComposeEnvFileError(`line ${state.line}: key cannot contain a space`);
    if (inherited) {
      state.line++;
      const v = lookup(key);
      if (v !== undefined) out[key] = v;
      rest = left;
      continue;
    }
    const { value, left: after } = extractValue(left, state, expandLookup);
    setKey(out, key, value);
    rest = after;
  }
  return out;
}

/** Parses an env file's content: as parseDotenv, but keys that start with a digit are dropped. */
export function parseEnvFile(
  text: string,
  lookup: Lookup = () => undefined,
  fallback: Lookup = () => undefined,
): Record<string, string> {
  const parsed = parseDotenv(text, lookup, fallback);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) if (!/^[0-9]/.test(k)) setKey(out, k, v);
  return out;
}

function setKey(obj: Record<string, string>, key: string, value: string): void {
  if (key === '__proto__')
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

function statementStart(src: string, state: { line: number }): string {
  let s = src;
  for (;;) {
    let i = 0;
    while (i < s.length && isSpace(s[i]!)) {
      if (s[i] === '\n') state.line++;
      i++;
    }
    if (i === s.length) return '';
    s = s.slice(i);
    if (s[0] !== '#') return s;
    const nl = s.indexOf('\n');
    if (nl < 0) return '';
    s = s.slice(nl);
  }
}

function locateKey(src: string, state: { line: number }): { key: string; left: string; inherited: boolean } {
  let s = src;
  const exp = /^export[ \t\n\r\v\f]+/.exec(s);
  if (exp) s = s.slice(exp[0].length);
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (isSpace(c) && c !== '\n') continue;
    if (c === '=' || c === ':' || c === '\n') {
      const key = s.slice(0, i).trimEnd();
      const inherited = c === '\n';
      let left = s.slice(i + 1);
      if (!inherited) left = left.replace(/^[ \t\v\f\r]+/, '');
      return { key, left, inherited };
    }
    if (KEY_PUNCT.has(c)) continue;
    const cp = s.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    if (LETTER_OR_NUMBER.test(ch)) {
      i += ch.length - 1;
      continue;
    }
    throw new ComposeEnvFileError(
      `line ${state.line}: unexpected character ${JSON.stringify(ch)} in variable name ${JSON.stringify(s.split('\n')[0])}`,
    );
  }
  return { key: s.trimEnd(), left: '', inherited: true };
}

function extractValue(src: string, state: { line: number }, lookup: Lookup): { value: string; left: string } {
  const quote = src[0];
  if (quote !== '"' && quote !== "'") {
    const nl = src.indexOf('\n');
    let value = nl < 0 ? src : src.slice(0, nl);
    const left = nl < 0 ? '' : src.slice(nl + 1);
    state.line++;
    const comment = value.indexOf(' #');
    if (comment >= 0) value = value.slice(0, comment);
    value = value.replace(/\s+$/u, '');
    return { value: expand(value, lookup, state.line - 1), left };
  }
  let escaped = false;
  let chars = '';
  const startLine = state.line;
  for (let i = 1; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\n') state.line++;
    if (c !== quote) {
      if (!escaped && c === '\\') {
        escaped = true;
        continue;
      }
      if (escaped) {
        escaped = false;
        chars += '\\';
      }
      chars += c;
      continue;
    }
    if (escaped) {
      escaped = false;
      chars += c;
      continue;
    }
    const value = quote === '"' ? expand(expandEscapes(chars), lookup, startLine) : chars;
    return { value, left: src.slice(i + 1) };
  }
  const nl = src.indexOf('\n');
  throw new ComposeEnvFileError(
    `line ${startLine}: unterminated quoted value ${nl < 0 ? src : src.slice(0, nl)}`,
  );
}

function expandEscapes(value: string): string {
  return value.replace(ESCAPE, (match) => {
    if (match === '\\$') return '$$';
    const c = match[1]!;
    if (c === '0') {
      const digits = match.slice(2);
      if (digits.length !== 3) return match.replace('\\0', '\\');
      const code = Number.parseInt(digits, 8);
      return Number.isNaN(code) || code > 255 ? match : String.fromCharCode(code);
    }
    return SIMPLE_ESCAPES[c] ?? match;
  });
}

function expand(value: string, lookup: Lookup, line: number): string {
  try {
    return substitute(value, lookup);
  } catch (err) {
    const e = err as Error;
    throw new ComposeEnvFileError(`line ${line}: ${e.message}`, { cause: err });
  }
}
