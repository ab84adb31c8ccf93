/**
 * Every default of the webhooks connector, in one place: the config schema
 * (config.ts) writes them in their servo.yaml form, and the delivery engine,
 * retry, breaker and transport use them as numbers.
 * @module
 */

/** Delivery defaults, in milliseconds and counts. */
export const DELIVERY_DEFAULTS = Object.freeze({
  /** Attempts per delivery, the first included. */
  maxTries: 3,
  /** Give up on a delivery this long after it was created. */
  maxTimeMs: 300_000,
  /** Bound of one attempt (headers and body). */
  timeoutMs: 10_000,
  /** Longest a before-webhook holds its event, retries included. */
  deadlineMs: 30_000,
  /** Deliveries held per endpoint before the memory store drops the oldest. */
  maxQueue: 10_000,
  /** Longest a stopping process waits for pending deliveries. */
  drainTimeoutMs: 10_000,
  /** Concurrent attempts per endpoint. */
  concurrency: 8,
  /** Consecutive failures that open an endpoint's circuit. */
  breakerFailures: 5,
  /** Time an open circuit waits before one probe. */
  breakerCooldownMs: 30_000,
  /** Minimum wait before retrying after a 429 or a timeout. */
  retryFloorMs: 5_000,
  /** Upper bound of the first backoff wait; it doubles per failure. */
  backoffInitialMs: 1_000,
  /** Cap of the backoff wait. */
  backoffMaxMs: 300_000,
  /** Bytes of a response body kept. */
  bodyCap: 65_536,
  /** Negotiate HTTP/2 with TLS receivers. */
  http2: false,
  /** What a before-webhook that cannot answer does to its event. */
  failurePolicy: 'fail' as 'ignore' | 'fail',
  /** How long a process that died keeps its sqlite rows before another process takes them over. */
  leaseMs: 30_000,
  /** Where pending deliveries live. */
  store: 'memory',
  /** Attempts the delivery history keeps (the deliveries page of `servo run --http`). */
  historyMaxAttempts: 1000,
  /** Bytes the delivery history keeps: bodies, headers and answers' excerpts (50 MB). */
  historyMaxBytes: 50_000_000,
});
