/**
 * What a connector contributes to the HTTP endpoint of `servo run`: metrics
 * in the core's one Prometheus registry, and readiness checks for `/readyz`.
 * The core calls a connector's `observe()` hook only when the endpoint is on,
 * so a connector pays nothing for it otherwise.
 * @module
 */

/** Label values of one series (no secret, URL credential or body may go in one). */
export type MetricLabels = Readonly<Record<string, string>>;

/** Name, help and label names of a metric; names follow Prometheus conventions (`_total`, `_seconds`). */
export interface MetricSpec {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly string[];
}

/** A counter contributed by a connector. */
export interface ObservedCounter {
  inc(labels: MetricLabels, value?: number): void;
  /** The series of `labels`, resolved once: the cheap way to count on a hot path. */
  child(labels: MetricLabels): { inc(value?: number): void };
}

/** A histogram contributed by a connector (values in base units: seconds). */
export interface ObservedHistogram {
  observe(labels: MetricLabels, value: number): void;
  /** The series of `labels`, resolved once: the cheap way to observe on a hot path. */
  child(labels: MetricLabels): { observe(value: number): void };
}

/**
 * Sets one series of a gauge while it is collected. The text of a labels
 * object is kept for that object: pass the same object for a series on every
 * scrape (cheapest) or a new one, but do not change one once passed.
 */
export type GaugeSetter = (labels: MetricLabels, value: number) => void;

/** The answer of a readiness check. */
export interface ReadinessResult {
  readonly ok: boolean;
  /** Why not, or a short note; shown in `/readyz`'s JSON body. */
  readonly detail?: string;
}

/** The registry and readiness checks as a connector's `observe()` hook sees them. */
export interface Observability {
  /**
   * A counter; with `collect`, its series are instead set from totals the
   * connector keeps anyway, each time `/metrics` is read (it then has no
   * `inc` or `child`).
   */
  counter(spec: MetricSpec & { collect?(set: GaugeSetter): void }): ObservedCounter;
  histogram(spec: MetricSpec & { readonly buckets?: readonly number[] }): ObservedHistogram;
  /** A gauge whose series are set by `collect` each time `/metrics` is read. */
  gauge(spec: MetricSpec & { collect(set: GaugeSetter): void }): void;
  /** A readiness check `/readyz` runs (named e.g. `webhooks.store`). */
  readiness(name: string, check: () => ReadinessResult | Promise<ReadinessResult>): void;
}
