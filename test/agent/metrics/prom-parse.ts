/**
 * A strict reader of the Prometheus text format 0.0.4, for the tests: every line must be a
 * HELP, a TYPE or a sample of the family the last TYPE named; names, label syntax, escapes
 * and values are checked, a histogram's buckets must be cumulative and end in +Inf equal to
 * its _count. Throws on the first thing that does not conform.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface ParsedFamily {
  name: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  help: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function parseExposition(text: string): Map<string, ParsedFamily> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const families = new Map<string, ParsedFamily>();
  let current: ParsedFamily | undefined;
  const lines = text.slice(0, -1).split('\n');
  lines.forEach((line, i) => {
    const where = `line ${i + 1} "${line}"`;
    if (line.startsWith('# HELP ')) {
      const m = /^# HELP (\S+) (.*)$/.exec(line);
      if (!m || !NAME.test(m[1]!)) throw new Error(`${where}: bad HELP`);
      if (families.has(m[1]!)) throw new Error(`${where}: family ${m[1]} seen twice`);
      if (/\\[^\\n]/.test(m[2]!.replace(/\\\\/g, ''))) throw new Error(`${where}: bad escape in HELP`);
      current = { name: m[1]!, type: 'untyped', help: unescapeText(m[2]!), samples: [] };
      families.set(current.name, current);
      return;
    }
    if (line.startsWith('# TYPE ')) {
      const m = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
      if (!m || current?.name !== m[1] || current.samples.length > 0) throw new Error(`${where}: bad TYPE`);
      current.type = m[2] as ParsedFamily['type'];
      return;
    }
    if (line.startsWith('#') || line.trim() === '') throw new Error(`${where}: unexpected comment or blank`);
    if (!current) throw new Error(`${where}: sample before any family`);
    const s = parseSample(line, where);
    const suffixes = current.type === 'histogram' ? ['_bucket', '_sum', '_count'] : [''];
    if (!suffixes.some((x) => s.name === current!.name + x))
      throw new Error(`${where}: sample ${s.name} outside family ${current.name}`);
    if (current.type === 'counter' && !(s.value >= 0)) throw new Error(`${where}: negative counter`);
    current.samples.push(s);
  });
  for (const f of families.values()) {
    if (f.type === 'counter' && !f.name.endsWith('_total')) throw new Error(`counter ${f.name} lacks _total`);
    if (f.type === 'histogram') checkHistogram(f);
  }
  return families;
}

function parseSample(line: string, where: string): Sample {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/.exec(line);
  if (!m) throw new Error(`${where}: not a sample`);
  const labels: Record<string, string> = {};
  if (m[2]) {
    let rest = m[2].slice(1, -1);
    while (rest.length > 0) {
      const l = /^([^=]+)="((?:[^"\\]|\\\\|\\"|\\n)*)"(,|$)/.exec(rest);
      if (!l || !LABEL.test(l[1]!)) throw new Error(`${where}: bad labels`);
      if (l[1]! in labels) throw new Error(`${where}: label ${l[1]} twice`);
      labels[l[1]!] = unescapeText(l[2]!);
      rest = rest.slice(l[0].length);
      if (l[3] === ',' && rest.length === 0) throw new Error(`${where}: trailing comma`);
    }
  }
  const v = m[3]!;
  const value = v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : v === 'NaN' ? NaN : Number(v);
  if (!/^(\+Inf|-Inf|NaN|-?\d+(\.\d+)?(e[+-]?\d+)?)$/.test(v)) throw new Error(`${where}: bad value`);
  return { name: m[1]!, labels, value };
}

function unescapeText(v: string): string {
  return v.replace(/\\(\\|n|")/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function checkHistogram(f: ParsedFamily): void {
  const series = new Map<string, { buckets: Array<[number, number]>; sum?: number; count?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const e = series.get(key) ?? { buckets: [] };
    series.set(key, e);
    if (s.name.endsWith('_bucket')) {
      if (le === undefined) throw new Error(`${f.name}: bucket without le`);
      e.buckets.push([le === '+Inf' ? Infinity : Number(le), s.value]);
    } else if (le !== undefined) throw new Error(`${f.name}: le outside a bucket`);
    else if (s.name.endsWith('_sum')) e.sum = s.value;
    else e.count = s.value;
  }
  for (const [key, e] of series) {
    if (e.sum === undefined || e.count === undefined)
      throw new Error(`${f.name}${key}: _sum or _count missing`);
    const last = e.buckets.at(-1);
    if (!last || last[0] !== Infinity || last[1] !== e.count)
      throw new Error(`${f.name}${key}: the +Inf bucket must come last and equal _count`);
    for (let i = 1; i < e.buckets.length; i++)
      if (!(e.buckets[i]![0] > e.buckets[i - 1]![0]) || e.buckets[i]![1] < e.buckets[i - 1]![1])
        throw new Error(`${f.name}${key}: buckets not increasing and cumulative`);
  }
}

/** The value of one sample, or undefined. */
export function sampleValue(
  families: Map<string, ParsedFamily>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const family = families.get(name.replace(/_(bucket|sum|count)$/, '')) ?? families.get(name);
  const s = family?.samples.find(
    (x) =>
      x.name === name &&
      Object.keys(labels).every((k) => x.labels[k] === labels[k]) &&
      Object.keys(x.labels).length === Object.keys(labels).length,
  );
  return s?.value;
}
