/**
 * One attempt: sign the delivery, POST it, and classify what came back.
 * @module
 */
import { WebhookErrorCodes, WebhookGoneError, WebhookHttpError, WebhookRedirectError } from '../errors.js';
import type { Signer } from '../signing.js';
import { classifyStatus, parseRetryAfter, type FailureHint } from './retry.js';
import type { AttemptControl, Target, Transport } from './transport.js';
import type { AttemptOutcome, Delivery, WebhookResponse } from './types.js';

/** What one attempt produced, before the verdict (every field always set: one object shape). */
export interface AttemptResult {
  startedAt: number;
  durationMs: number;
  response: WebhookResponse | undefined;
  error: Error | undefined;
  /** Classification of the answer; `aborted` means no verdict (shutdown or caller abort). */
  kind: AttemptOutcome | 'aborted';
  hint: FailureHint;
  /** The request headers as sent (the endpoint's own headers included, unmasked: never log them); empty when signing failed. */
  requestHeaders: Readonly<Record<string, string>>;
}

/** The parts of an endpoint an attempt needs. */
export interface AttemptTarget {
  readonly name: string;
  /** Signs each attempt (the webhook's secrets and signing key, derived once). */
  readonly signer: Signer;
  readonly target: Target;
  /** The endpoint's own headers (lower-case names), or `undefined` when it has none. */
  readonly extraHeaders: Record<string, string> | undefined;
}

/** Shared, never mutated hints of the common outcomes. */
const NO_HINT: FailureHint = Object.freeze({ slowDown: false });
const SLOW_DOWN: FailureHint = Object.freeze({ slowDown: true });
/** The headers of an attempt that could not be signed: none were sent. */
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** `CODE: message` of an error, as logs and dead letters show it. */
export function errorText(err: Error): string {
  const code = (err as { code?: unknown }).code;
  return `${typeof code === 'string' ? code : err.name}: ${err.message}`;
}

/** Sends attempts through one transport. */
export class Attempter {
  constructor(
    private readonly transport: Transport,
    private readonly userAgent: string,
    private readonly now: () => number,
  ) {}

  /**
   * One signed POST (fresh timestamp); `done` gets the classified result,
   * always asynchronously, exactly once. Callback-based: queued deliveries
   * are the hot path and need no promise per attempt.
   */
  run(ep: AttemptTarget, d: Delivery, timeoutMs: number, control: AttemptControl, done: (r: AttemptResult) => void): void {
    const startedAt = this.now();
    const t0 = performance.now();
    let headers: Record<string, string>;
    try {
      headers = this.headersFor(ep, d, startedAt);
    } catch (err) {
      queueMicrotask(() => done(failure(err, startedAt, t0, NO_HEADERS)));
      return;
    }
    this.transport.dispatch({ target: ep.target, headers, body: d.body, timeoutMs, webhook: ep.name, control }, (err, response) => {
      done(response !== undefined ? this.classify(ep.name, response, startedAt, t0, headers) : failure(err, startedAt, t0, headers));
    });
  }

  /** {@link run} as a promise (for a gate's `send()`). */
  once(ep: AttemptTarget, d: Delivery, timeoutMs: number, control: AttemptControl): Promise<AttemptResult> {
    return new Promise((resolve) => this.run(ep, d, timeoutMs, control, resolve));
  }

  /** The request headers of one attempt: one object literal, signatures computed in place. */
  private headersFor(ep: AttemptTarget, d: Delivery, nowMs: number): Record<string, string> {
    const id = d.id;
    const sig = ep.signer.sign(id, d.body, Math.floor(nowMs / 1000));
    const headers: Record<string, string> = {
      'content-type': d.contentType,
      'user-agent': this.userAgent,
      'x-servo-event': d.event,
      'x-servo-delivery': id,
      'x-servo-signature': sig['x-servo-signature'],
      'webhook-id': id,
      'webhook-timestamp': sig['webhook-timestamp'],
      'webhook-signature': sig['webhook-signature'],
    };
    const extra = ep.extraHeaders;
    if (extra !== undefined) for (const k in extra) headers[k] = extra[k]!;
    return headers;
  }

  /** The result of an attempt that got an HTTP answer. */
  private classify(name: string, response: WebhookResponse, startedAt: number, t0: number, requestHeaders: Record<string, string>): AttemptResult {
    const durationMs = performance.now() - t0;
    const kind = classifyStatus(response.status);
    if (kind === 'delivered') return { startedAt, durationMs, response, error: undefined, kind, hint: NO_HINT, requestHeaders };
    const hint: FailureHint = { slowDown: response.status === 429 };
    if (kind === 'retry') {
      const ra = parseRetryAfter(response.headers['retry-after'], this.now());
      if (ra !== undefined) hint.retryAfterMs = ra;
    }
    const error =
      kind === 'gone'
        ? new WebhookGoneError(name)
        : kind === 'redirect'
          ? new WebhookRedirectError(name, response.status, response.headers['location'])
          : new WebhookHttpError(name, response.status);
    return { startedAt, durationMs, response, error, kind, hint, requestHeaders };
  }
}

/** The result of an attempt that got no HTTP answer. */
function failure(err: unknown, startedAt: number, t0: number, requestHeaders: Readonly<Record<string, string>>): AttemptResult {
  const error = err instanceof Error ? err : new Error(String(err));
  const durationMs = performance.now() - t0;
  const code = (error as { code?: unknown }).code;
  if (code === WebhookErrorCodes.aborted) return { startedAt, durationMs, response: undefined, error, kind: 'aborted', hint: NO_HINT, requestHeaders };
  const retryable = code === WebhookErrorCodes.timeout || code === WebhookErrorCodes.network;
  return {
    startedAt,
    durationMs,
    response: undefined,
    error,
    kind: retryable ? 'retry' : 'failed',
    hint: code === WebhookErrorCodes.timeout ? SLOW_DOWN : NO_HINT,
    requestHeaders,
  };
}
