/**
 * The one Prometheus registry of a `servo run` with its HTTP endpoint on
 * (prom-client: the exposition format, histograms and the process metrics
 * are solved problems), the core's metrics (events dispatched, the
 * optimizer loop), and the {@link Observability} connectors register theirs
 * and their readiness checks through.
 * @module
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, type Metric, Registry } from 'prom-client';
import type { DispatchObserver } from '../assembly/servo.js';
import type { GaugeSetter, MetricLabels, MetricSpec, Observability, ObservedCounter, ObservedHistogram, ReadinessResult } from '../connector/observe.js';
import type { RunnerObserver } from '../optimizer/runner.js';

/** Buckets of durations in seconds: 1 ms to a minute. */
export const SECONDS_BUCKETS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** A readiness check registered by a connector or the core. */
export interface NamedReadiness {
  readonly name: string;
  check(): ReadinessResult | Promise<ReadinessResult>;
}

/** The registry, the core's metrics and what connectors contribute. */
export class ServoMetrics implements Observability {
  readonly registry = new Registry();
  readonly readinessChecks: NamedReadiness[] = [];
  /** Reports every dispatch (pass to `Servo.observe`). */
  readonly onDispatch: DispatchObserver;
  /** Reports the optimizer loop (pass to the runner), with `optimizerConnected`. */
  readonly runner: RunnerObserver;
  /** Whether the last request to the optimizer was answered; undefined until one was. */
  optimizerConnected: boolean | undefined;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // Its collection waits for a turn of the event loop (setImmediate), so every scrape would wait as long as
    // the loop is busy; nodejs_eventloop_lag_{min,max,mean,p50,p90,p99}_seconds tell the same from Node's own
    // delay histogram, read at once.
    this.registry.removeSingleMetric('nodejs_eventloop_lag_seconds');
    const dispatched = new Counter({
      name: 'servo_events_dispatched_total',
      help: 'Events dispatched, by event name and outcome (ok, failed, cancelled)',
      labelNames: ['event', 'outcome'],
      registers: [this.registry],
    });
    const duration = new Histogram({
      name: 'servo_event_duration_seconds',
      help: 'How long a dispatched event took, before, on and after handlers included',
      labelNames: ['event'],
      buckets: [...SECONDS_BUCKETS],
      registers: [this.registry],
    });
    this.onDispatch = (event, outcome, seconds) => {
      dispatched.inc({ event, outcome });
      duration.observe({ event }, seconds);
    };
    const commands = new Counter({
      name: 'servo_optimizer_commands_total',
      help: 'Optimizer commands run, by kind (DESCRIBE, MEASURE, ADJUST) and reply status',
      labelNames: ['kind', 'status'],
      registers: [this.registry],
    });
    const commandSeconds = new Histogram({
      name: 'servo_optimizer_command_duration_seconds',
      help: 'How long an optimizer command ran',
      labelNames: ['kind'],
      buckets: [...SECONDS_BUCKETS, 300, 900, 3600],
      registers: [this.registry],
    });
    const apiErrors = new Counter({
      name: 'servo_optimizer_api_errors_total',
      help: 'Requests to the optimizer that were not accepted after their retries, by request',
      labelNames: ['request'],
      registers: [this.registry],
    });
    const self = this;
    new Gauge({
      name: 'servo_optimizer_connected',
      help: '1 when the last request to the optimizer was answered, 0 when it failed (absent without an optimizer or before the first request)',
      registers: [this.registry],
      collect() {
        if (self.optimizerConnected !== undefined) this.set(self.optimizerConnected ? 1 : 0);
      },
    });
    this.runner = {
      command: (kind, status, seconds) => {
        commands.inc({ kind, status });
        commandSeconds.observe({ kind }, seconds);
      },
      apiError: (request) => apiErrors.inc({ request }),
      connected: (up) => {
        this.optimizerConnected = up;
      },
    };
  }

  counter(spec: MetricSpec & { collect?(set: GaugeSetter): void }): ObservedCounter {
    const { collect } = spec;
    if (collect) {
      // Totals the connector keeps anyway are read when scraped instead of counted twice.
      const m = new CollectedMetric(spec.name, spec.help, 'counter', collect);
      this.registry.registerMetric(m as unknown as Metric);
      return {
        inc: () => {
          throw new TypeError(`${spec.name} is collected from the connector's totals; it has no inc()`);
        },
        child: () => {
          throw new TypeError(`${spec.name} is collected from the connector's totals; it has no children`);
        },
      };
    }
    /** Children count in plain numbers; their counts join the counter when it is scraped. */
    const children: { labels: MetricLabels; n: number }[] = [];
    const c = new Counter({
      name: spec.name,
      help: spec.help,
      labelNames: [...(spec.labelNames ?? [])],
      registers: [this.registry],
      collect(this: Counter) {
        for (const child of children) {
          if (child.n > 0) this.inc(child.labels, child.n);
          child.n = 0;
        }
      },
    });
    return {
      inc: (labels: MetricLabels, value?: number) => c.inc(labels, value ?? 1),
      child: (labels: MetricLabels) => {
        const child = { labels: { ...labels }, n: 0 };
        children.push(child);
        c.inc(child.labels, 0); // the series exists from now on
        return {
          inc: (value = 1) => {
            child.n += value;
          },
        };
      },
    };
  }

  histogram(spec: MetricSpec & { readonly buckets?: readonly number[] }): ObservedHistogram {
    const h = new SeriesHistogram(spec.name, spec.help, spec.labelNames ?? [], spec.buckets ?? SECONDS_BUCKETS);
    this.registry.registerMetric(h as unknown as Metric);
    return { observe: (labels: MetricLabels, value: number) => h.series(labels).observe(value), child: (labels: MetricLabels) => h.series(labels) };
  }

  gauge(spec: MetricSpec & { collect(set: GaugeSetter): void }): void {
    this.registry.registerMetric(new CollectedMetric(spec.name, spec.help, 'gauge', spec.collect) as unknown as Metric);
  }

  readiness(name: string, check: () => ReadinessResult | Promise<ReadinessResult>): void {
    this.readinessChecks.push({ name, check });
  }
}

/** One series of a {@link SeriesHistogram}: counts per bucket (not cumulative; the last is +Inf) and the sum. */
class HistogramSeries {
  readonly counts: Float64Array;
  sum = 0;
  constructor(
    readonly labels: MetricLabels,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length + 1);
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
 * A histogram for hot paths, registered in the prom-client registry, which
 * formats it. Hand-written because prom-client's Histogram validates and
 * hashes the labels of every observation; here a series is resolved once
 * (`series(labels)`) and an observation is a bucket search and two additions
 * (bench/observe.mjs: a delivery attempt observes one).
 */
class SeriesHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #series = new Map<string, HistogramSeries>();
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    private readonly bounds: readonly number[],
  ) {}

  series(labels: MetricLabels): HistogramSeries {
    const key = this.labelNames.map((n) => labels[n] ?? '').join('\u0000');
    let s = this.#series.get(key);
    if (!s) {
      s = new HistogramSeries({ ...labels }, this.bounds);
      this.#series.set(key, s);
    }
    return s;
  }

  /** What the registry formats: `_bucket` (cumulative, `le`), `_sum` and `_count` per series. */
  get(): {
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: { labels: Record<string, string | number>; value: number; metricName: string }[];
  } {
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.#series.values()) {
      let cumulative = 0;
      for (let i = 0; i <= this.bounds.length; i++) {
        cumulative += s.counts[i] as number;
        values.push({ labels: { ...s.labels, le: i < this.bounds.length ? (this.bounds[i] as number) : '+Inf' }, value: cumulative, metricName: bucket });
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

/**
 * A counter or gauge whose series the connector sets when scraped: the values
 * go to the registry's formatting as they are, without prom-client's
 * reset-and-set (a label hash per series per scrape; 100 webhooks have
 * hundreds of series: bench/observe.mjs).
 */
class CollectedMetric {
  readonly aggregator = 'sum';
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge',
    private readonly collect: (set: GaugeSetter) => void,
  ) {}

  get(): { name: string; help: string; type: string; aggregator: string; values: { labels: MetricLabels; value: number }[] } {
    const values: { labels: MetricLabels; value: number }[] = [];
    this.collect((labels, value) => values.push({ labels, value }));
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {}
}
