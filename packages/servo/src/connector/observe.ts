/**
 * What a connector contributes to the HTTP endpoint of `servo run`: metrics
 * in the core's one Prometheus registry, readiness checks for `/readyz`, and
 * pages for people (the webhooks connector's deliveries page).
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
  /** Serves a page under `spec.path`; `/` leads to the first page registered. */
  page(spec: PageSpec): void;
}

/**
 * What a page's handler is given besides the request. The core has already
 * checked who asks (the bearer token or the signed-in session cookie, when a
 * token is set), refused cross-site POSTs, and it sets the
 * Content-Security-Policy and other security headers on every answer.
 */
export interface PageContext {
  /** The page's mount path, e.g. `/webhooks` (no trailing slash): links and forms are built from it. */
  readonly base: string;
  /**
   * The token a POST from a page must carry (a hidden `_csrf` form field, or
   * an `x-csrf-token` header from the page's script); the core refuses a POST
   * without it, unless it came with the bearer token.
   */
  readonly csrfToken: string;
  /** Aborted when the endpoint closes: long answers (an event stream) end on it, so they never hold up shutdown. */
  readonly signal: AbortSignal;
}

/**
 * Pages a connector serves on the endpoint (its deliveries page, say), in
 * web-standard terms: every request under `path` goes to `fetch`.
 * Scripts and styles are served by the page itself, from its own paths:
 * the policy allows only same-origin scripts, styles and connections
 * (no inline script or style).
 */
export interface PageSpec {
  /** Mount path, e.g. `/webhooks`; one path segment, unique on the endpoint. */
  readonly path: string;
  /** Shown in the endpoint's index and the sign-in form. */
  readonly title: string;
  /** Answers a request under `path` (its URL is the full URL, path included). */
  fetch(request: Request, ctx: PageContext): Response | Promise<Response>;
}
