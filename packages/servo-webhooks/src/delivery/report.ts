/**
 * What the engine tells the world about an attempt: one log line and the
 * `onAttempt` callback.
 * @module
 */
import { errorText, type AttemptResult } from './attempt.js';
import type { Attempt, AttemptOutcome, Delivery, DeliveryLogger } from './types.js';

/** Writes attempt lines and calls the user's callbacks, whose failures never reach delivery. */
export class Reporter {
  constructor(
    readonly logger: DeliveryLogger,
    private readonly onAttempt: ((a: Attempt) => void) | undefined,
  ) {}

  /**
   * The one log line of an attempt (unless its level is off), then
   * `onAttempt`. `reason`: why a retryable failure was not retried.
   */
  attempt(webhook: string, d: Delivery, r: AttemptResult, outcome: AttemptOutcome, retryInMs?: number, reason?: string): void {
    const level = outcome === 'delivered' ? 'info' : 'warn';
    const log = this.logger;
    if (log.isLevelEnabled === undefined || log.isLevelEnabled(level)) {
      const line: Record<string, unknown> = { webhook, event: d.event, id: d.id, attempt: d.attempts };
      if (r.response) line.status = r.response.status;
      else if (r.error) line.error = errorText(r.error);
      line.latency_ms = Math.round(r.durationMs);
      line.outcome = outcome;
      if (outcome === 'redirect') line.location = r.response?.headers['location'];
      if (retryInMs !== undefined) line.retry_in_ms = retryInMs;
      if (reason !== undefined) line.reason = reason;
      log[level](line, 'webhook attempt');
    }
    if (this.onAttempt) {
      const a: Attempt = { deliveryId: d.id, webhook, event: d.event, number: d.attempts, startedAt: r.startedAt, durationMs: r.durationMs, outcome };
      if (r.response) a.status = r.response.status;
      if (r.error) a.error = errorText(r.error);
      if (reason !== undefined) a.reason = reason;
      this.guard(() => this.onAttempt!(a));
    }
  }

  /** Runs a user callback; a throw is logged, never propagated. */
  guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.logger.error({ error: errorText(err as Error) }, 'webhook engine callback failed');
    }
  }
}
