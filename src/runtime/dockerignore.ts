/**
 * `.dockerignore` as the docker CLI reads it (moby/patternmatcher): one pattern a line,
 * `#` comments, `!` exceptions, `*`, `?`, `[…]` and `**`; a path is excluded when the last
 * pattern matching it (or one of its parent directories) is not an exception. Pure.
 */

/** Go's path.Clean: no empty or `.` elements, `..` resolved where it can be. */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
    } else out.push(part);
  }
  const joined = (rooted ? '/' : '') + out.join('/');
  return joined || (rooted ? '/' : '.');
}

/** The patterns of a .dockerignore text, cleaned; exceptions keep their leading `!`. */
export function parseDockerignore(text: string): string[] {
  const out: string[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (const line of lines) {
    if (line.startsWith('#')) continue;
    let pattern = line.trim();
    if (pattern === '') continue;
    const invert = pattern.startsWith('!');
    if (invert) pattern = pattern.slice(1).trim();
    if (pattern.length > 0) {
      pattern = cleanPath(pattern);
      if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
    }
    out.push(invert ? `!${pattern}` : pattern);
  }
  return out;
}

const ESCAPED = new Set(['.', '+', '(', ')', '|', '{', '}', '$', '^']);

/** One pattern as an anchored regular expression, as patternmatcher compiles it. */
export function patternRegExp(pattern: string): RegExp {
  let re = '^';
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (ch === '*') {
      if (chars[i + 1] === '*') {
        i++;
        if (chars[i + 1] === '/') i++; // `**/` is `**`
        re += i + 1 >= chars.length ? '.*' : '(.*/)?';
      } else re += '[^/]*';
    } else if (ch === '?') re += '[^/]';
    else if (ESCAPED.has(ch)) re += `\\${ch}`;
    else if (ch === '\\') {
      if (i + 1 < chars.length) re += `\\${chars[++i]}`;
      else re += '\\\\';
    } else re += ch;
  }
  return new RegExp(`${re}$`);
}

interface Pattern {
  text: string;
  exclusion: boolean;
  re: RegExp;
}

export class IgnoreMatcher {
  private readonly patterns: Pattern[];

  /** Throws on a pattern that is not a valid expression (`[a-`), naming it. */
  constructor(patterns: string[]) {
    this.patterns = [];
    for (const raw of patterns) {
      let p = raw.trim();
      if (p === '') continue;
      const exclusion = p.startsWith('!');
      if (exclusion) p = p.slice(1);
      p = cleanPath(p);
      if (exclusion && p === '.') throw new Error('illegal exclusion pattern: "!"');
      let re: RegExp;
      try {
        re = patternRegExp(p);
      } catch {
        throw new Error(`syntax error in pattern ${JSON.stringify(raw)}`);
      }
      this.patterns.push({ text: p, exclusion, re });
    }
  }

  get hasExclusions(): boolean {
    return this.patterns.some((p) => p.exclusion);
  }

  /** Whether the context path (relative, `/`-separated) is left out of the context. */
  matches(file: string): boolean {
    let matched = false;
    const parent = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '.';
    const parentDirs = parent === '.' ? [] : parent.split('/');
    for (const p of this.patterns) {
      // An exception only matters once something matched, a pattern only while nothing has.
      if (p.exclusion !== matched) continue;
      let match = p.re.test(file);
      for (let i = 0; !match && i < parentDirs.length; i++)
        match = p.re.test(parentDirs.slice(0, i + 1).join('/'));
      if (match) matched = !p.exclusion;
    }
    return matched;
  }

  /**
   * Whether an excluded directory must still be walked: an exception pattern may bring
   * back something inside it (`!dir/keep.txt`).
   */
  mayIncludeBelow(dir: string): boolean {
    const prefix = `${dir}/`;
    return this.patterns.some((p) => p.exclusion && `${p.text}/`.startsWith(prefix));
  }
}
