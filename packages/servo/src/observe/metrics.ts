/**
 * The one Prometheus registry of a `servo run` with its HTTP endpoint on
 * (prom-client: the exposition format, histograms and the process metrics
 * are solved problems), the core's metrics (events dispatched, the
 * optimizer loop), and the {@link Observability} connectors register theirs,
 * their readiness checks and their pages through.
 * @module
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, type Metric, Registry } from 'prom-client';
import type { DispatchObserver } from '../assembly/servo.js';
import type {
  GaugeSetter,
  MetricLabels,
  MetricSpec,
  Observability,
  ObservedCounter,
  ObservedHistogram,
  PageSpec,
  ReadinessResult,
} from '../connector/observe.js';
import type { RunnerObserver } from '../optimizer/runner.js';
import { Pages } from './pages.js';
import { addTo, CollectedMetric, formatsItself, SeriesCounter, SeriesHistogram } from './series.js';

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
  /** The pages connectors serve on the endpoint. */
  readonly pages = new Pages();
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
    const c = new SeriesCounter(spec.name, spec.help, spec.labelNames ?? []);
    this.registry.registerMetric(c as unknown as Metric);
    return {
      inc: (labels: MetricLabels, value?: number) => c.inc(labels, value ?? 1),
      child: (labels: MetricLabels) => {
        const series = c.series(labels); // the series exists from now on
        return { inc: (value = 1) => addTo(series, value) };
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

  /**
   * The registry in the Prometheus text format, as `registry.metrics()` gives
   * it: the connectors' metrics format themselves (./series.ts), the others
   * through prom-client. Every metric is collected in one synchronous pass.
   */
  async text(): Promise<string> {
    const registry = this.registry as unknown as { getMetricsAsString(m: Metric): Promise<string> };
    const parts = await Promise.all(
      this.registry.getMetricsAsArray().map((m) => (formatsItself(m) ? m.format() : registry.getMetricsAsString(m as unknown as Metric))),
    );
    return `${parts.join('\n\n')}\n`;
  }

  readiness(name: string, check: () => ReadinessResult | Promise<ReadinessResult>): void {
    this.readinessChecks.push({ name, check });
  }

  /** @throws UsageError (SERVO_USAGE) for a malformed or taken path (see {@link Pages.add}) */
  page(spec: PageSpec): void {
    this.pages.add(spec);
  }
}
