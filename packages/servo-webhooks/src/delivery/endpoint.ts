/**
 * An endpoint as the engine keeps it: the receiver's settings, its backlog,
 * its circuit breaker and 410 state, its counters and its one wake-up timer.
 * @module
 */
import { RESERVED_HEADERS } from '../headers.js';
import { createSigner, type Signer } from '../signing.js';
import type { AttemptResult, AttemptTarget } from './attempt.js';
import type { Backlog } from './backlog/backlog.js';
import { CircuitBreaker, type BreakerOptions } from './breaker.js';
import { toTarget, type Target } from './transport.js';
import type { Delivery, DeliveryLogger, RetryPolicy, WebhookEndpoint } from './types.js';
import { basicAuthorization } from '../url.js';

/** What an endpoint counts since the engine started. */
export interface Counters {
  delivered: number;
  retried: number;
  failed: number;
  dropped: number;
  dead: number;
}

/**
 * One receiver's state. Health, as the scheduler sees it: closed circuit and
 * not disabled lets deliveries through; an open circuit holds them until a
 * probe may go; a 410 Gone disables the endpoint until it is enabled again.
 */
export class Endpoint implements AttemptTarget {
  readonly name: string;
  readonly signer: Signer;
  readonly target: Target;
  readonly extraHeaders: Record<string, string> | undefined;
  readonly timeoutMs: number;
  readonly retry: RetryPolicy | false;
  readonly breaker: CircuitBreaker;
  readonly counters: Counters = { delivered: 0, retried: 0, failed: 0, dropped: 0, dead: 0 };
  /** True after a 410 Gone, until enabled. */
  disabled = false;
  /** When it was disabled (ms since the epoch), 0 while enabled. */
  disabledSince = 0;
  /** When an attempt last got a 2xx (0: never). */
  lastSuccessAt = 0;
  /** When an attempt last failed (0: never). */
  lastFailureAt = 0;
  /** The last failure's status, or its error when no answer came: made text only when read (stats.ts). */
  lastFailure: number | Error | undefined = undefined;
  /** A pump is queued as a microtask. */
  pumpQueued = false;
  /** True while an attempt is being booked: its end pumps, so `enqueue` need not schedule a pump. */
  settling = false;
  /** When the wake-up timer fires (Infinity: none armed). */
  wakeAt = Infinity;
  cancelWake: (() => void) | undefined = undefined;

  constructor(
    ep: WebhookEndpoint,
    readonly backlog: Backlog,
    private readonly breakerOptions: BreakerOptions,
    private readonly logger: DeliveryLogger,
  ) {
    this.name = ep.name;
    this.signer = createSigner(ep.secret, ep.signingKey);
    this.target = toTarget(ep.url);
    this.timeoutMs = ep.timeoutMs;
    this.retry = ep.retry;
    this.breaker = new CircuitBreaker(breakerOptions);
    const extra: Record<string, string> = {};
    for (const [k, v] of Object.entries(ep.headers)) {
      const key = k.toLowerCase();
      if (RESERVED_HEADERS.has(key)) logger.warn({ webhook: ep.name, header: key }, 'webhook header ignored: set by the engine');
      else extra[key] = v;
    }
    // Credentials in the URL go as Authorization: Basic (the target keeps only origin and path).
    const basic = basicAuthorization(ep.url);
    if (basic !== undefined && extra.authorization === undefined) extra.authorization = basic;
    this.extraHeaders = Object.keys(extra).length > 0 ? extra : undefined;
  }

  /** True when new deliveries will wait: disabled, or the circuit is not closed. */
  unhealthy(now: number): boolean {
    return this.disabled || this.breaker.state(now) !== 'closed';
  }

  /**
   * Feeds an attempt's result to the breaker and the 410 state. Returns true
   * when this result disabled the endpoint.
   */
  observe(r: AttemptResult, d: Delivery, now: number): boolean {
    if (r.kind === 'aborted') {
      this.breaker.release();
      return false;
    }
    if (r.kind === 'delivered') this.lastSuccessAt = now;
    else {
      this.lastFailureAt = now;
      this.lastFailure = r.response !== undefined ? r.response.status : r.error;
    }
    if (r.kind === 'retry') {
      if (this.breaker.failure(now)) {
        const { failures, cooldownMs } = this.breakerOptions;
        this.logger.warn({ webhook: this.name, failures, cooldown_ms: cooldownMs }, 'webhook circuit opened: deliveries wait');
      }
      return false;
    }
    // Any answer other than a retryable failure means the receiver is up.
    const wasClosed = this.breaker.state(now) === 'closed';
    this.breaker.success();
    if (!wasClosed) this.logger.info({ webhook: this.name }, 'webhook circuit closed');
    if (r.kind !== 'gone' || this.disabled) return false;
    this.disabled = true;
    this.disabledSince = now;
    this.logger.error(
      { webhook: this.name, event: d.event, id: d.id, status: 410 },
      'webhook endpoint disabled: receiver answered 410 Gone; deliveries are kept until it is enabled again (servo webhooks enable NAME, or a restart)',
    );
    return true;
  }

  /** Clears the disabled state and the breaker; returns whether it was disabled. */
  enable(): boolean {
    const was = this.disabled;
    this.disabled = false;
    this.disabledSince = 0;
    this.breaker.reset();
    return was;
  }
}
