/**
 * Retry classification and scheduling, as small pure functions.
 *
 * Why not cockatiel's `RetryPolicy`/`ExponentialBackoff`: they wrap one
 * `execute()` call and keep the backoff state in a closure, sleeping in
 * between. Deliveries here are queued, persisted and resumed after a restart
 * with nothing but their attempt count and creation time, and waits are driven
 * by the engine's (injectable) clock and random source. A pure
 * `f(attempts, remaining time, last failure) -> delay` fits that model;
 * cockatiel's generators use `Math.random` and cannot be made deterministic.
 * @module
 */

import { DELIVERY_DEFAULTS } from '../defaults.js';
import type { AttemptOutcome, RetryPolicy } from './types.js';

/** Parameters of the exponential backoff (full jitter). */
export interface BackoffOptions {
  /** Upper bound of the first wait; default 1000 ms. */
  initialMs: number;
  /** Cap of the upper bound; default 5 minutes. */
  maxMs: number;
}

/** Default backoff: waits drawn from [0, 1 s), [0, 2 s), [0, 4 s)... capped at 5 min. */
export const DEFAULT_BACKOFF: BackoffOptions = Object.freeze({ initialMs: DELIVERY_DEFAULTS.backoffInitialMs, maxMs: DELIVERY_DEFAULTS.backoffMaxMs });

/**
 * What an HTTP status means for a delivery: 2xx delivered; 408, 429 and 5xx
 * retried; 410 disables the endpoint; 3xx is a (not followed) redirect; any
 * other status is a permanent failure.
 */
export function classifyStatus(status: number): AttemptOutcome {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  if (status === 410) return 'gone';
  if (status >= 300 && status < 400) return 'redirect';
  return 'failed';
}

/**
 * Milliseconds to wait according to a `Retry-After` value (delay-seconds or an
 * HTTP date); `undefined` when absent or unparseable.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/**
 * Full-jitter exponential backoff: a wait drawn uniformly from
 * `[0, min(maxMs, initialMs * 2^(failures-1)))`.
 */
export function backoffDelay(failures: number, options: BackoffOptions, random: () => number): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.max(0, failures - 1));
  return Math.floor(random() * ceiling);
}

/** What the last failed attempt tells the scheduler. */
export interface FailureHint {
  /** The receiver's `Retry-After`, in ms. */
  retryAfterMs?: number;
  /** True after a 429 or a timeout: wait at least the configured floor. */
  slowDown: boolean;
}

/** Inputs of {@link nextRetryDelay}. */
export interface RetryInput {
  policy: RetryPolicy | false;
  /** Attempts made so far, the failed one included. */
  attempts: number;
  /** Time left before the policy's (or caller's) deadline, in ms. */
  remainingMs: number;
  failure: FailureHint;
  backoff: BackoffOptions;
  /** Minimum wait after a 429 or a timeout. */
  floorMs: number;
  random: () => number;
}

/**
 * How long to wait before the next attempt, or `undefined` to give up: when
 * retries are off, `maxTries` is used up, the time is up, or the receiver's
 * `Retry-After` points past the deadline. Waits are clamped to the time left,
 * so the last attempt happens at the deadline at the latest.
 */
export function nextRetryDelay(input: RetryInput): number | undefined {
  const { policy, attempts, remainingMs, failure } = input;
  if (policy === false || attempts >= policy.maxTries || remainingMs <= 0) return undefined;
  if (failure.retryAfterMs !== undefined && failure.retryAfterMs > remainingMs) return undefined;
  let wait = backoffDelay(attempts, input.backoff, input.random);
  if (failure.retryAfterMs !== undefined) wait = Math.max(wait, failure.retryAfterMs);
  if (failure.slowDown) wait = Math.max(wait, input.floorMs);
  return Math.min(wait, remainingMs);
}
