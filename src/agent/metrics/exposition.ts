/**
 * A small Prometheus registry and its text exposition format 0.0.4, hand-written: counters,
 * gauges and histograms with labels, and collectors that read other parts' running totals
 * at scrape time. No I/O, no clock: `render()` is a function of what was recorded.
 */

export type Labels = Readonly<Record<string, string>>;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** A metric or label name the format does not allow, or labels that do not fit the family. */
export class MetricDefinitionError extends Error {
  override readonly name = 'MetricDefinitionError';
}

type Kind = 'counter' | 'gauge' | 'histogram';

/** One series of a family: its labels in the family's order, and its state. */
interface Series<T> {
  labels: string[];
  value: T;
}

abstract class Family<T> {
  private readonly series = new Map<string, Series<T>>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly kind: Kind,
    readonly labelNames: readonly string[],
  ) {
    if (!METRIC_NAME.test(name)) throw new MetricDefinitionError(`metric name "${name}" is not valid`);
    for (const l of labelNames)
      if (!LABEL_NAME.test(l) || l.startsWith('__') || (kind === 'histogram' && l === 'le'))
        throw new MetricDefinitionError(`metric "${name}": label name "${l}" is not valid`);
  }

  protected abstract fresh(): T;

  /** The series of these labels, made on first use. */
  protected at(labels: Labels): T {
    const values = this.labelNames.map((l) => {
      const v = labels[l];
      if (typeof v !== 'string')
        throw new MetricDefinitionError(`metric "${this.name}": label "${l}" missing`);
      return v;
    });
    if (Object.keys(labels).length !== values.length)
      throw new MetricDefinitionError(
        `metric "${this.name}": labels ${JSON.stringify(Object.keys(labels))}, expected ${JSON.stringify(this.labelNames)}`,
      );
    const key = JSON.stringify(values);
    let s = this.series.get(key);
    if (!s) {
      s = { labels: values, value: this.fresh() };
      this.series.set(key, s);
    }
    return s.value;
  }

  /** Every series, sorted by labels so the output is stable. */
  protected all(): Array<Series<T>> {
    return [...this.series.entries()]
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map((e) => e[1]);
  }

  /** Forgets every series (a gauge family a collector sets anew at each scrape). */
  reset(): void {
    this.series.clear();
  }

  protected pairs(values: string[], extra?: [string, string]): string {
    const parts = this.labelNames.map((l, i) => `${l}="${escapeLabel(values[i]!)}"`);
    if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
    return parts.length > 0 ? `{${parts.join(',')}}` : '';
  }

  abstract lines(): string[];

  header(): string[] {
    return [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.kind}`];
  }
}

export class Counter extends Family<{ v: number }> {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    if (!name.endsWith('_total')) throw new MetricDefinitionError(`counter "${name}" must end in _total`);
    super(name, help, 'counter', labelNames);
  }
  protected fresh() {
    return { v: 0 };
  }
  inc(labels: Labels = {}, by = 1): void {
    if (!(by >= 0)) throw new MetricDefinitionError(`counter "${this.name}": cannot add ${by}`);
    this.at(labels).v += by;
  }
  get(labels: Labels = {}): number {
    return this.at(labels).v;
  }
  lines(): string[] {
    return this.all().map((s) => `${this.name}${this.pairs(s.labels)} ${formatValue(s.value.v)}`);
  }
}

export class Gauge extends Family<{ v: number }> {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(name, help, 'gauge', labelNames);
  }
  protected fresh() {
    return { v: 0 };
  }
  set(labels: Labels, value: number): void {
    this.at(labels).v = value;
  }
  lines(): string[] {
    return this.all().map((s) => `${this.name}${this.pairs(s.labels)} ${formatValue(s.value.v)}`);
  }
}

interface HistogramState {
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram extends Family<HistogramState> {
  readonly buckets: readonly number[];

  constructor(name: string, help: string, buckets: readonly number[], labelNames: readonly string[] = []) {
    super(name, help, 'histogram', labelNames);
    const ok =
      buckets.length > 0 && buckets.every((b, i) => Number.isFinite(b) && (i === 0 || b > buckets[i - 1]!));
    if (!ok) throw new MetricDefinitionError(`histogram "${name}": buckets must be finite and increasing`);
    this.buckets = [...buckets];
  }
  protected fresh(): HistogramState {
    return { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
  }
  observe(labels: Labels, value: number): void {
    const s = this.at(labels);
    // Each bucket counts the observations up to its bound; cumulated when rendered.
    const i = this.buckets.findIndex((b) => value <= b);
    if (i >= 0) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }
  lines(): string[] {
    const out: string[] = [];
    for (const s of this.all()) {
      let cumulative = 0;
      this.buckets.forEach((b, i) => {
        cumulative += s.value.counts[i]!;
        out.push(`${this.name}_bucket${this.pairs(s.labels, ['le', formatValue(b)])} ${cumulative}`);
      });
      out.push(`${this.name}_bucket${this.pairs(s.labels, ['le', '+Inf'])} ${s.value.count}`);
      out.push(`${this.name}_sum${this.pairs(s.labels)} ${formatValue(s.value.sum)}`);
      out.push(`${this.name}_count${this.pairs(s.labels)} ${s.value.count}`);
    }
    return out;
  }
}

type AnyFamily = Counter | Gauge | Histogram;

export class Registry {
  private readonly families = new Map<string, AnyFamily>();
  private readonly collectors: Array<() => void> = [];

  counter(name: string, help: string, labelNames?: readonly string[]): Counter {
    return this.add(new Counter(name, help, labelNames));
  }
  gauge(name: string, help: string, labelNames?: readonly string[]): Gauge {
    return this.add(new Gauge(name, help, labelNames));
  }
  histogram(
    name: string,
    help: string,
    buckets: readonly number[],
    labelNames?: readonly string[],
  ): Histogram {
    return this.add(new Histogram(name, help, buckets, labelNames));
  }

  /** Runs before each render: reads totals kept elsewhere into this registry's families. */
  collect(fn: () => void): void {
    this.collectors.push(fn);
  }

  /** The text format 0.0.4: HELP and TYPE, then the samples, of each family in name order. */
  render(): string {
    for (const fn of this.collectors) fn();
    const out: string[] = [];
    for (const name of [...this.families.keys()].sort()) {
      const f = this.families.get(name)!;
      out.push(...f.header(), ...f.lines());
    }
    return `${out.join('\n')}\n`;
  }

  private add<F extends AnyFamily>(f: F): F {
    if (this.families.has(f.name)) throw new MetricDefinitionError(`metric "${f.name}" is defined twice`);
    this.families.set(f.name, f);
    return f;
  }
}

/** The content type of the format, for the HTTP answer. */
export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}
