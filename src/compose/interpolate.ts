/**
 * `${VAR}` interpolation as docker compose does it: `$V`, `${V}`, `${V:-d}`, `${V-d}`,
 * `${V:+r}`, `${V+r}`, `${V:?e}`, `${V?e}`, nested templates in the default/alternative/error
 * text (expanded only when used), and `$$` for a literal `$`. A `$` that starts no reference
 * is kept as is.
 */
import { ComposeInterpolationError, ComposeMissingVariableError } from './errors.js';

/** Returns the value of a variable, or undefined when it is unset. */
export type Lookup = (name: string) => string | undefined;

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
const OPERATORS = [':?', ':-', ':+', '?', '-', '+'] as const;
type Operator = (typeof OPERATORS)[number];

interface Reference {
  name: string;
  operator?: Operator;
  argument: string;
  /** Index just after the reference. */
  end: number;
}

function invalid(template: string): ComposeInterpolationError {
  return new ComposeInterpolationError(`Invalid template: ${JSON.stringify(template)}`, {
    expected: `a variable reference such as $\{NAME}, $\{NAME:-default} or $$ for a literal $`,
  });
}

/** Parses the reference starting at `template[i] === '$'`; null when the `$` is literal. */
function parseReference(template: string, i: number): Reference | null | 'escaped' {
  const next = template[i + 1];
  if (next === '$') return 'escaped';
  if (next !== undefined && NAME_START.test(next)) {
    let j = i + 2;
    while (j < template.length && NAME_CHAR.test(template[j]!)) j++;
    return { name: template.slice(i + 1, j), argument: '', end: j };
  }
  if (next !== '{') return null;
  // Find the matching '}', counting every brace (defaults may hold JSON).
  let depth = 0;
  let close = -1;
  for (let j = i + 1; j < template.length; j++) {
    const c = template[j];
    if (c === '{') depth++;
    else if (c === '}' && --depth === 0) {
      close = j;
      break;
    }
  }
  if (close < 0) throw invalid(template);
  const inside = template.slice(i + 2, close);
  let n = 0;
  if (inside.length === 0 || !NAME_START.test(inside[0]!)) throw invalid(template);
  while (n < inside.length && NAME_CHAR.test(inside[n]!)) n++;
  const name = inside.slice(0, n);
  const rest = inside.slice(n);
  if (rest === '') return { name, argument: '', end: close + 1 };
  const operator = OPERATORS.find((op) => rest.startsWith(op));
  if (!operator) throw invalid(template);
  return { name, operator, argument: rest.slice(operator.length), end: close + 1 };
}

/** Called for each `$V`/`${V}` whose variable is unset (docker compose warns and uses ""). */
export type OnUnset = (name: string) => void;

/** Interpolates one string. Throws ComposeInterpolationError / ComposeMissingVariableError. */
export function substitute(template: string, lookup: Lookup, onUnset?: OnUnset): string {
  if (!template.includes('$')) return template;
  let out = '';
  let i = 0;
  while (i < template.length) {
    const dollar = template.indexOf('$', i);
    if (dollar < 0) {
      out += template.slice(i);
      break;
    }
    out += template.slice(i, dollar);
    const ref = parseReference(template, dollar);
    if (ref === 'escaped') {
      out += '$';
      i = dollar + 2;
      continue;
    }
    if (ref === null) {
      out += '$';
      i = dollar + 1;
      continue;
    }
    out += resolveReference(ref, lookup, onUnset);
    i = ref.end;
  }
  return out;
}

function resolveReference(ref: Reference, lookup: Lookup, onUnset?: OnUnset): string {
  const value = lookup(ref.name);
  switch (ref.operator) {
    case undefined:
      if (value === undefined) onUnset?.(ref.name);
      return value ?? '';
    case ':-':
      return value ? value : substitute(ref.argument, lookup, onUnset);
    case '-':
      return value !== undefined ? value : substitute(ref.argument, lookup, onUnset);
    case ':+':
      return value ? substitute(ref.argument, lookup, onUnset) : '';
    case '+':
      return value !== undefined ? substitute(ref.argument, lookup, onUnset) : '';
    case ':?':
    case '?': {
      const missing = ref.operator === ':?' ? !value : value === undefined;
      if (!missing) return value ?? '';
      const reason = substitute(ref.argument, lookup, onUnset);
      throw new ComposeMissingVariableError(
        `required variable ${ref.name} is missing a value${reason ? `: ${reason}` : ''}`,
      );
    }
  }
}

/** How a variable is used in a template (for `fizz config --variables`-like listings). */
export interface VariableUse {
  name: string;
  defaultValue: string;
  presenceValue: string;
  required: boolean;
}

/** Every variable a string uses, including those inside defaults. Ignores malformed templates. */
export function variablesOf(
  template: string,
  into: Map<string, VariableUse> = new Map(),
): Map<string, VariableUse> {
  let i = template.indexOf('$');
  while (i >= 0) {
    let ref: ReturnType<typeof parseReference>;
    try {
      ref = parseReference(template, i);
    } catch {
      ref = null;
    }
    if (ref === 'escaped') {
      i = template.indexOf('$', i + 2);
      continue;
    }
    if (ref === null) {
      i = template.indexOf('$', i + 1);
      continue;
    }
    const op = ref.operator;
    into.set(ref.name, {
      name: ref.name,
      defaultValue: op === ':-' || op === '-' ? ref.argument : '',
      presenceValue: op === ':+' || op === '+' ? ref.argument : '',
      required: op === ':?' || op === '?',
    });
    if (ref.argument) variablesOf(ref.argument, into);
    i = template.indexOf('$', ref.end);
  }
  return into;
}
