/**
 * The one place that turns an attempt's result into the delivery's next step,
 * for queued deliveries and for a gate's `send()` alike.
 * @module
 */
import type { AttemptResult } from './attempt.js';
import { nextRetryDelay, type BackoffOptions } from './retry.js';
import type { AttemptOutcome, Delivery, RetryPolicy } from './types.js';

/**
 * What happens next: `delivered`; `retry` after `delayMs`; `gone` (410: the
 * endpoint is disabled and the delivery held until it is enabled again);
 * `failed` or `redirect` (given up on: dead-lettered); `aborted` (the attempt
 * was cut short by a shutdown or the caller and says nothing).
 */
export interface Step {
  readonly outcome: AttemptOutcome | 'aborted';
  /** The wait before the next attempt, for `retry`; 0 otherwise. */
  readonly delayMs: number;
  /**
   * Why a retryable failure is not retried, when the attempt alone does not
   * say it (e.g. `Retry-After 277777h exceeds max_time 5m`).
   */
  readonly reason?: string;
}

/** How retries are spaced. */
export interface RetrySettings {
  readonly backoff: BackoffOptions;
  /** Minimum wait after a 429 or a timeout. */
  readonly floorMs: number;
  /** Random source in [0, 1) for the jitter. */
  readonly random: () => number;
}

const steps = {
  delivered: Object.freeze({ outcome: 'delivered', delayMs: 0 }),
  gone: Object.freeze({ outcome: 'gone', delayMs: 0 }),
  failed: Object.freeze({ outcome: 'failed', delayMs: 0 }),
  redirect: Object.freeze({ outcome: 'redirect', delayMs: 0 }),
  aborted: Object.freeze({ outcome: 'aborted', delayMs: 0 }),
} satisfies Record<string, Step>;

/**
 * The next step of `d` after attempt `r` ended at `now`. A retryable failure
 * is retried per the endpoint's `policy` (attempts and time since the delivery
 * was created); `budgetEndsAt` bounds it further (a gate's deadline): a retry
 * that could not start before it is not made.
 */
export function verdict(r: AttemptResult, d: Delivery, policy: RetryPolicy | false, now: number, settings: RetrySettings, budgetEndsAt = Infinity): Step {
  if (r.kind !== 'retry') return steps[r.kind];
  if (policy === false) return steps.failed;
  const budgetLeft = budgetEndsAt - now;
  const delayMs = nextRetryDelay({
    policy,
    attempts: d.attempts,
    remainingMs: Math.min(d.createdAt + policy.maxTimeMs - now, budgetLeft),
    failure: r.hint,
    backoff: settings.backoff,
    floorMs: settings.floorMs,
    random: settings.random,
  });
  if (delayMs === undefined || delayMs >= budgetLeft) return givenUp(r, d, policy, now, budgetLeft);
  return { outcome: 'retry', delayMs };
}

/**
 * The `failed` step of a retryable failure that is not retried, with the
 * reason when the receiver's `Retry-After` is what rules the retry out (off
 * the hot path: only here is anything allocated).
 */
function givenUp(r: AttemptResult, d: Delivery, policy: RetryPolicy, now: number, budgetLeft: number): Step {
  const after = r.hint.retryAfterMs;
  if (after === undefined || d.attempts >= policy.maxTries) return steps.failed;
  const policyLeft = d.createdAt + policy.maxTimeMs - now;
  if (after > policyLeft && policyLeft <= budgetLeft) {
    return { outcome: 'failed', delayMs: 0, reason: `Retry-After ${durationText(after)} exceeds max_time ${durationText(policy.maxTimeMs)}` };
  }
  if (after >= budgetLeft)
    return {
      outcome: 'failed',
      delayMs: 0,
      reason: `Retry-After ${durationText(after)} exceeds the ${durationText(Math.max(0, budgetLeft))} left before the deadline`,
    };
  return steps.failed;
}

/** A duration as servo.yaml writes it: `277777h46m40s`, `5m`, `1.5s`, `250ms`. */
export function durationText(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const total = Math.round(ms) / 1000;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = Math.round((total % 60) * 1000) / 1000;
  return `${h > 0 ? `${h}h` : ''}${m > 0 ? `${m}m` : ''}${s > 0 ? `${s}s` : ''}`;
}
