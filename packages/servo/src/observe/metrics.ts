/**
 * The one Prometheus registry of a `servo run` with its HTTP endpoint on
 * (prom-client: the exposition format, histograms and the process metrics
 * are solved problems), the core's metrics (events dispatched, the
 * optimizer loop), and the {@link Observability} connectors register theirs
 * and their readiness checks through.
 * @module
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
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
    const c = new Counter({
      name: spec.name,
      help: spec.help,
      labelNames: [...(spec.labelNames ?? [])],
      registers: [this.registry],
      // Totals the connector keeps anyway are read when scraped instead of counted twice.
      ...(collect
        ? {
            collect(this: Counter) {
              this.reset();
              collect((labels, value) => this.inc(labels, value));
            },
          }
        : {}),
    });
    return {
      inc: (labels: MetricLabels, value?: number) => c.inc(labels, value ?? 1),
      child: (labels: MetricLabels) => c.labels(labels),
    };
  }

  histogram(spec: MetricSpec & { readonly buckets?: readonly number[] }): ObservedHistogram {
    const h = new Histogram({
      name: spec.name,
      help: spec.help,
      labelNames: [...(spec.labelNames ?? [])],
      buckets: [...(spec.buckets ?? SECONDS_BUCKETS)],
      registers: [this.registry],
    });
    return { observe: (labels: MetricLabels, value: number) => h.observe(labels, value), child: (labels: MetricLabels) => h.labels(labels) };
  }

  gauge(spec: MetricSpec & { collect(set: GaugeSetter): void }): void {
    const { collect } = spec;
    new Gauge({
      name: spec.name,
      help: spec.help,
      labelNames: [...(spec.labelNames ?? [])],
      registers: [this.registry],
      collect() {
        this.reset();
        collect((labels, value) => this.set(labels, value));
      },
    });
  }

  readiness(name: string, check: () => ReadinessResult | Promise<ReadinessResult>): void {
    this.readinessChecks.push({ name, check });
  }
}
