/**
 * What to offer when the user presses TAB: pure, over a table of the commands made from
 * clipanion's own definitions (so a command added tomorrow completes without a change here)
 * and two injected sources, the services of the project here and the cluster's nodes.
 * The shell scripts (scripts.ts) only pass the words in and print what comes out.
 */

/** One command as completion sees it. */
export interface CommandEntry {
  /** The words of its path (`['ps']`). */
  path: string[];
  /** Option names (`-a`, `--all`), with whether each takes a value and what values are offered. */
  options: OptionEntry[];
  /** What each positional is: `service`, `node`, fixed words, or nothing to offer. */
  positionals: Positional[];
  /** What the positionals after the last named one are (a `...` rest). */
  rest: Positional;
}

export interface OptionEntry {
  names: string[];
  takesValue: boolean;
  value: Positional;
}

export type Positional =
  | { kind: 'none' }
  | { kind: 'files' }
  | { kind: 'services'; suffix: string }
  | { kind: 'nodes' }
  | { kind: 'words'; words: string[] };

export interface CompletionSources {
  /** Service names of the compose project the given `-f` files (or the working directory) point at. */
  services(files: string[]): Promise<string[]>;
  /** Node names of the cluster, when an agent answers. */
  nodes(): Promise<string[]>;
}

/** What the shell should do: offer these words, or complete file names. */
export type Completion = { files: true } | { files: false; words: string[] };

/** The shape of `Cli.definitions()` this needs. */
export interface Definition {
  path: string;
  usage: string;
  options: Array<{ definition: string; description?: string }>;
}

const NONE: Positional = { kind: 'none' };
const FILE_OPTIONS = new Set(['--file', '-f', '--env-file', '--project-directory']);

/** The completion table of a CLI: clipanion's definitions, minus the hidden commands (`__…`). */
export function commandTable(definitions: Definition[], binaryName: string): CommandEntry[] {
  const out: CommandEntry[] = [];
  for (const d of definitions) {
    const words = d.path.split(' ').slice(binaryName ? 1 : 0);
    if (words.length === 0 || words[0]!.startsWith('-') || words[0]!.startsWith('__')) continue;
    const composeLike = d.options.some((o) => /(^|,)--file\b/.test(o.definition));
    const tokens = d.usage.split(' ').slice(words.length + 1);
    const positionals: Positional[] = [];
    let rest: Positional = NONE;
    for (const t of tokens) {
      if (t.startsWith('[-') || t.startsWith('-') || t.startsWith('#')) continue;
      if (t === '...') rest = composeLike ? { kind: 'services', suffix: '' } : NONE;
      else positionals.push(positional(t.replace(/^[<[]|[\]>]$/g, '')));
    }
    out.push({ path: words, options: d.options.map(optionEntry), positionals, rest });
  }
  return out;
}

function positional(name: string): Positional {
  if (/^service/i.test(name)) return { kind: 'services', suffix: name.includes('=') ? '=' : '' };
  if (/^node$/i.test(name)) return { kind: 'nodes' };
  const words = name.split('|');
  if (words.length > 1 && words.every((w) => /^[a-z][a-z0-9-]*$/.test(w))) return { kind: 'words', words };
  return NONE;
}

function optionEntry(o: { definition: string; description?: string }): OptionEntry {
  const [names = '', arity] = o.definition.split(' ');
  const list = names.split(',');
  const takesValue = arity !== undefined;
  let value: Positional = NONE;
  if (takesValue) {
    if (list.some((n) => FILE_OPTIONS.has(n))) value = { kind: 'files' };
    else if (/^SERVICE=/.test(o.description ?? '')) value = { kind: 'services', suffix: '=' };
    else value = choices(o.description ?? '');
  }
  return { names: list, takesValue, value };
}

/**
 * The values a description lists, at its start or after a colon, up to its end or a
 * parenthesis: "table or json", "Output format: yaml or json", "…: always, missing or never (…)".
 */
function choices(description: string): Positional {
  const m = /(?:^|: )([a-z][a-z0-9_-]*(?:(?:, | or )[a-z][a-z0-9_-]*)+)(?: \(|$)/.exec(description);
  return m ? { kind: 'words', words: m[1]!.split(/, | or /) } : NONE;
}

/**
 * The completion of `words[index]` (a prefix, maybe empty), `words` being what follows the
 * binary's name. Words before the command are global options and their values.
 */
export async function complete(
  table: CommandEntry[],
  words: string[],
  index: number,
  sources: CompletionSources,
): Promise<Completion> {
  const prefix = words[index] ?? '';
  const before = words.slice(0, index);
  const allOptions = table.flatMap((c) => c.options);
  const bare = bareWords(before, allOptions);
  const command = findCommand(table, bare);
  const options = command ? command.entry.options : allOptions;
  const previous = before[before.length - 1];
  const valueFor = previous?.startsWith('-') ? options.find((o) => o.names.includes(previous)) : undefined;

  const files = () => fileArgs(before, options);
  if (valueFor?.takesValue) return offer(valueFor.value, prefix, before, files, sources);
  if (prefix.startsWith('-')) return offerWords([...new Set(options.flatMap((o) => o.names))], prefix);
  // The next word of the paths the words so far begin: every command at first, then
  // `secret` → create, ls, rm (and `config`, a command itself, → ls, create, rm too).
  const deeper = table
    .filter((c) => c.path.length > bare.length && bare.every((b, i) => c.path[i] === b.word))
    .map((c) => c.path[bare.length]!);
  if (!command) return offerWords([...new Set(deeper)], prefix);
  const n = positionalsBefore(before.slice(command.end), command.entry.options);
  const own = await offer(command.entry.positionals[n] ?? command.entry.rest, prefix, before, files, sources);
  if (own.files || deeper.length === 0) return own;
  return offerWords([...new Set([...own.words, ...deeper])], prefix);
}

function offerWords(candidates: string[], prefix: string): Completion {
  return { files: false, words: candidates.filter((w) => w.startsWith(prefix)).sort() };
}

async function offer(
  p: Positional,
  prefix: string,
  before: string[],
  files: () => string[],
  sources: CompletionSources,
): Promise<Completion> {
  switch (p.kind) {
    case 'files':
      return { files: true };
    case 'words':
      return offerWords(p.words, prefix);
    case 'nodes':
      return offerWords(await sources.nodes(), prefix);
    case 'services': {
      const names = await sources.services(files());
      const taken = new Set(before);
      return offerWords(
        names.map((s) => `${s}${p.suffix}`).filter((s) => !taken.has(s)),
        prefix,
      );
    }
    default:
      return { files: false, words: [] };
  }
}

/** The compose files given so far: values of the option named `--file` (`-f` too, except where it is `--follow`). */
function fileArgs(before: string[], options: OptionEntry[]): string[] {
  const names = new Set(options.find((o) => o.names.includes('--file') && o.takesValue)?.names ?? []);
  const files: string[] = [];
  for (let i = 0; i < before.length - 1; i++) if (names.has(before[i]!)) files.push(before[++i]!);
  return files;
}

/** The words that are neither options nor their values, with where each is. */
function bareWords(before: string[], allOptions: OptionEntry[]): Array<{ word: string; at: number }> {
  const valued = new Set(allOptions.filter((o) => o.takesValue).flatMap((o) => o.names));
  const bare: Array<{ word: string; at: number }> = [];
  for (let i = 0; i < before.length; i++) {
    const w = before[i]!;
    if (w.startsWith('-')) {
      if (valued.has(w) && !w.includes('=')) i++;
      continue;
    }
    bare.push({ word: w, at: i });
  }
  return bare;
}

/** The command the bare words name (the longest path), and the index after its path. */
function findCommand(
  table: CommandEntry[],
  bare: Array<{ word: string; at: number }>,
): { entry: CommandEntry; end: number } | undefined {
  for (const entry of [...table].sort((a, b) => b.path.length - a.path.length)) {
    if (entry.path.every((w, k) => bare[k]?.word === w))
      return { entry, end: bare[entry.path.length - 1]!.at + 1 };
  }
  return undefined;
}

/** How many positionals the words after the command hold (options and their values skipped). */
function positionalsBefore(after: string[], options: OptionEntry[]): number {
  const valued = new Set(options.filter((o) => o.takesValue).flatMap((o) => o.names));
  let n = 0;
  for (let i = 0; i < after.length; i++) {
    const w = after[i]!;
    if (w.startsWith('-')) {
      if (valued.has(w)) i++;
    } else n++;
  }
  return n;
}
