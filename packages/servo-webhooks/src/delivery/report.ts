/**
 * What the engine tells the world about an attempt: one log line, the
 * `onAttempt` callback, and the delivery history when there is one.
 * @module
 */
import { describeLogLine } from 'servo-core';
import { ReportedAttempt } from '../history/entry.js';
import type { DeliveryHistory } from '../history/types.js';
import { errorText, type AttemptResult } from './attempt.js';
import type { Attempt, AttemptOutcome, Delivery, DeliveryLogger, RetryPolicy } from './types.js';

/** The message of the attempt line; its readable form (`--log-format pretty`) is {@link attemptSentence}. */
export const ATTEMPT_MSG = 'webhook attempt';

/** `12 ms`, `1.2 s`, `4.5 min`, `2 h`. */
function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${Math.round(ms / 100) / 10} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 6_000) / 10} min`;
  return `${Math.round(ms / 360_000) / 10} h`;
}

/**
 * The attempt line as a person reads it: `delivered after:measure to
 * store_measurements in 12 ms (204)`, `retrying after:measure to
 * store_measurements in 1.2 s (503, attempt 2 of 3)`.
 */
export function attemptSentence(f: Readonly<Record<string, unknown>>): string {
  const answer = f.status !== undefined ? String(f.status) : String(f.error ?? 'no answer');
  const of = f.max_tries !== undefined ? ` of ${f.max_tries}` : '';
  const to = `${f.event} to ${f.webhook}`;
  switch (f.outcome) {
    case 'delivered':
      return `delivered ${to} in ${duration(Number(f.latency_ms))} (${answer})`;
    case 'retry':
      return `retrying ${to} in ${duration(Number(f.retry_in_ms))} (${answer}, attempt ${f.attempt}${of})`;
    case 'gone':
      return `${to}: 410 Gone, webhook disabled; its deliveries are held until servo webhooks enable ${f.webhook}`;
    case 'redirect':
      return `not delivered ${to}: ${answer} redirect to ${f.location} is not followed (dead letter)`;
    default:
      return `gave up on ${to} after attempt ${f.attempt}${of} (${answer}${f.reason !== undefined ? `; ${f.reason}` : ''}): dead letter, see servo webhooks dead`;
  }
}
describeLogLine(ATTEMPT_MSG, attemptSentence, ['id']);

/** The parts of an endpoint a report reads. */
export interface ReportedEndpoint {
  readonly name: string;
  readonly retry: RetryPolicy | false;
  /** Its own headers: their values are masked in the history. */
  readonly extraHeaders: Readonly<Record<string, string>> | undefined;
}

/**
 * Writes attempt lines, records attempts in the history, and calls the
 * user's callbacks, whose failures never reach delivery. One per path: the
 * queued deliveries' and the gates' (`send()`), which the history tells apart.
 */
export class Reporter {
  constructor(
    readonly logger: DeliveryLogger,
    private readonly onAttempt: ((a: Attempt) => void) | undefined,
    private readonly history: DeliveryHistory | undefined = undefined,
    private readonly kind: 'queued' | 'gate' = 'queued',
  ) {}

  /**
   * The one log line of an attempt (unless its level is off), then
   * `onAttempt`, then the history. `reason`: why a retryable failure was not retried.
   */
  attempt(ep: ReportedEndpoint, d: Delivery, r: AttemptResult, outcome: AttemptOutcome, retryInMs?: number, reason?: string): void {
    const webhook = ep.name;
    const level = outcome === 'delivered' ? 'info' : 'warn';
    const log = this.logger;
    if (log.isLevelEnabled === undefined || log.isLevelEnabled(level)) {
      const line: Record<string, unknown> = { webhook, event: d.event, id: d.id, attempt: d.attempts };
      if (ep.retry) line.max_tries = ep.retry.maxTries;
      if (r.response) line.status = r.response.status;
      else if (r.error) line.error = errorText(r.error);
      line.latency_ms = Math.round(r.durationMs);
      line.outcome = outcome;
      if (outcome === 'redirect') line.location = r.response?.headers['location'];
      if (retryInMs !== undefined) line.retry_in_ms = retryInMs;
      if (reason !== undefined) line.reason = reason;
      log[level](line, ATTEMPT_MSG);
    }
    if (this.onAttempt) {
      const a: Attempt = { deliveryId: d.id, webhook, event: d.event, number: d.attempts, startedAt: r.startedAt, durationMs: r.durationMs, outcome };
      if (r.response) a.status = r.response.status;
      if (r.error) a.error = errorText(r.error);
      if (reason !== undefined) a.reason = reason;
      this.guard(() => this.onAttempt!(a));
    }
    if (this.history !== undefined) this.record(this.history, ep, d, r, outcome, reason);
  }

  /** Hands the attempt to the history; nothing it does reaches delivery. */
  private record(history: DeliveryHistory, ep: ReportedEndpoint, d: Delivery, r: AttemptResult, outcome: AttemptOutcome, reason: string | undefined): void {
    try {
      history.record(new ReportedAttempt(d, ep.name, this.kind, r, outcome, ep.extraHeaders, reason));
    } catch (err) {
      this.logger.error({ webhook: ep.name, id: d.id, error: errorText(err as Error) }, 'webhook history failed to record an attempt');
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
