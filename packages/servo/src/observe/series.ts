/**
 * The metrics connectors contribute (a webhook's histogram, counters and
 * collected gauges: ~19 series per webhook), registered in the prom-client
 * registry and formatted here, in the Prometheus text format, byte for byte
 * as prom-client formats them. Hand-written because this is the hot part of a
 * scrape: prom-client formats every line from a label object (escaping each
 * value, an array of parts and a join per line), which took most of a scrape
 * of 100 webhooks' ~1,900 series (bench/observe.mjs); here a series' label
 * text is made once, when the series appears, and a scrape only appends
 * values. Other metrics (the process's, the core's) keep prom-client's
 * formatting (`ServoMetrics.text()`).
 * @module
 */
import type { GaugeSetter, MetricLabels } from '../connector/observe.js';

/** A metric that formats itself: `format()` is what prom-client's `getMetricsAsString` would give. */
export interface FormattedMetric {
  format(): string;
}

/** Whether the registry's metric formats itself. */
export function formatsItself(m: object): m is FormattedMetric {
  return typeof (m as Partial<FormattedMetric>).format === 'function';
}

/** A label value as the text format writes it (backslash, newline and quote escaped). */
function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** `name="value",...` of `labels`, in their order, without braces. */
function labelPairs(labels: MetricLabels): string {
  let out = '';
  for (const name in labels) {
    const value = labels[name] as string | number;
    out += `${out ? ',' : ''}${name}="${typeof value === 'string' ? escapeLabel(value) : value}"`;
  }
  return out;
}

/** `{name="value",...}`, or nothing without labels. */
function labelText(labels: MetricLabels): string {
  const pairs = labelPairs(labels);
  return pairs ? `{${pairs}}` : '';
}

/**
 * `s` as one flat string: text made of pieces (template literals, `+`) is a
 * tree V8 walks each time it is copied, and a series' prefix is copied into
 * every scrape.
 */
function flat(s: string): string {
  return Buffer.from(s).toString();
}

/** A sample value as the text format writes it. */
function valueText(value: number): string {
  if (Number.isNaN(value)) return 'Nan';
  if (!Number.isFinite(value)) return value < 0 ? '-Inf' : '+Inf';
  return `${value}`;
}

/** The `# HELP` and `# TYPE` lines. */
function head(name: string, help: string, type: string): string {
  const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return flat(`# HELP ${esc(name)} ${esc(help)}\n# TYPE ${esc(name)} ${type}`);
}

/** Throws as prom-client does for a label the metric was not declared with. */
function checkLabels(metric: string, labelNames: readonly string[], labels: MetricLabels): void {
  for (const name in labels) {
    if (!labelNames.includes(name)) throw new Error(`Added label "${name}" is not included in initial labelset: ${JSON.stringify(labelNames)} (${metric})`);
  }
}

/** One series of a {@link SeriesHistogram}: counts per bucket (not cumulative; the last is +Inf) and the sum. */
export class HistogramSeries {
  readonly counts: Float64Array;
  sum = 0;
  /** `name_bucket{labels,le="bound"} ` per bucket, then `name_sum{labels} ` and `name_count{labels} `. */
  readonly prefixes: readonly string[];
  constructor(
    readonly labels: MetricLabels,
    name: string,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
    const pairs = labelPairs(labels);
    const sep = pairs ? `${pairs},` : '';
    const plain = labelText(labels);
    this.prefixes = [...[...bounds, '+Inf'].map((le) => `\n${name}_bucket{${sep}le="${le}"} `), `\n${name}_sum${plain} `, `\n${name}_count${plain} `].map(flat);
  }
  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += value;
  }
}

/**
 * A histogram for hot paths: prom-client's Histogram validates and hashes the
 * labels of every observation; here a series is resolved once
 * (`series(labels)`) and an observation is a bucket search and two additions
 * (bench/observe.mjs: a delivery attempt observes one).
 */
export class SeriesHistogram implements FormattedMetric {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #series = new Map<string, HistogramSeries>();
  readonly #head: string;
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    private readonly bounds: readonly number[],
  ) {
    this.#head = head(name, help, this.type);
  }

  series(labels: MetricLabels): HistogramSeries {
    const key = this.labelNames.map((n) => labels[n] ?? '').join('\u0000');
    let s = this.#series.get(key);
    if (!s) {
      checkLabels(this.name, this.labelNames, labels);
      s = new HistogramSeries({ ...labels }, this.name, this.bounds);
      this.#series.set(key, s);
    }
    return s;
  }

  format(): string {
    let out = this.#head;
    const n = this.bounds.length;
    for (const s of this.#series.values()) {
      const p = s.prefixes;
      let cumulative = 0;
      for (let i = 0; i <= n; i++) {
        cumulative += s.counts[i] as number;
        out += p[i] + valueText(cumulative);
      }
      out += p[n + 1] + valueText(s.sum) + p[n + 2] + valueText(cumulative);
    }
    return out;
  }

  /** The series as prom-client's `get()` gives them (`_bucket` cumulative with `le`, `_sum`, `_count`). */
  get(): {
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: { labels: Record<string, string | number>; value: number; metricName: string }[];
  } {
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    for (const s of this.#series.values()) {
      let cumulative = 0;
      for (let i = 0; i <= this.bounds.length; i++) {
        cumulative += s.counts[i] as number;
        values.push({
          labels: { ...s.labels, le: i < this.bounds.length ? (this.bounds[i] as number) : '+Inf' },
          value: cumulative,
          metricName: `${this.name}_bucket`,
        });
      }
      values.push({ labels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: s.labels, value: cumulative, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.#series.clear();
  }
}

/** One series of a {@link SeriesCounter}. */
interface CounterSeries {
  readonly labels: MetricLabels;
  /** `\nname{labels} ` */
  readonly prefix: string;
  n: number;
}

/**
 * A counter whose series are resolved once (`child`) and count in a plain
 * number; without labels it has its one series (0) from the start, as
 * prom-client's Counter.
 */
export class SeriesCounter implements FormattedMetric {
  readonly type = 'counter';
  readonly aggregator = 'sum';
  readonly #series = new Map<string, CounterSeries>();
  readonly #head: string;
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
  ) {
    this.#head = head(name, help, this.type);
    if (labelNames.length === 0) this.series({});
  }

  /** The series of `labels`, created (at 0) on first use. */
  series(labels: MetricLabels): CounterSeries {
    const key = this.labelNames.map((n) => labels[n] ?? '').join('\u0000');
    let s = this.#series.get(key);
    if (!s) {
      checkLabels(this.name, this.labelNames, labels);
      const own = { ...labels };
      s = { labels: own, prefix: flat(`\n${this.name}${labelText(own)} `), n: 0 };
      this.#series.set(key, s);
    }
    return s;
  }

  /** Adds `value` (default 1; not negative) to the series of `labels`. */
  inc(labels: MetricLabels, value = 1): void {
    addTo(this.series(labels), value);
  }

  format(): string {
    let out = this.#head;
    for (const s of this.#series.values()) out += s.prefix + valueText(s.n);
    return out;
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: { labels: MetricLabels; value: number }[] } {
    const values = [...this.#series.values()].map((s) => ({ labels: s.labels, value: s.n }));
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    for (const s of this.#series.values()) s.n = 0;
  }
}

/** Adds to a counter's series, refusing what prom-client refuses. */
export function addTo(s: { n: number }, value: number): void {
  if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
  if (value < 0) throw new Error('It is not possible to decrease a counter');
  s.n += value;
}

/**
 * A counter or gauge whose series the connector sets when scraped. A labels
 * object's text is made the first time it is passed and kept for that object
 * (a WeakMap): the webhooks connector passes the same object for a series on
 * every scrape. A labels object must therefore not change once passed.
 */
export class CollectedMetric implements FormattedMetric {
  readonly aggregator = 'sum';
  readonly #head: string;
  readonly #text = new WeakMap<MetricLabels, string>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge',
    private readonly collect: (set: GaugeSetter) => void,
  ) {
    this.#head = head(name, help, type);
  }

  format(): string {
    let out = this.#head;
    this.collect((labels, value) => {
      let prefix = this.#text.get(labels);
      if (prefix === undefined) {
        prefix = flat(`\n${this.name}${labelText(labels)} `);
        this.#text.set(labels, prefix);
      }
      out += prefix + valueText(value);
    });
    return out;
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: { labels: MetricLabels; value: number }[] } {
    const values: { labels: MetricLabels; value: number }[] = [];
    this.collect((labels, value) => values.push({ labels, value }));
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {}
}
