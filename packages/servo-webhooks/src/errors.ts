/**
 * Every error the servo-webhooks package raises, each with a stable `code`.
 *
 * Type guards compare the `code` (not `instanceof`) so they keep working when
 * two copies of the package are installed side by side. Messages never carry a
 * secret, a request body or an endpoint URL (URLs may embed tokens): endpoints
 * are named by their configured `name`.
 * @module
 */

/** Stable codes of {@link WebhookError} subclasses. */
export const WebhookErrorCodes = {
  timeout: 'WEBHOOK_TIMEOUT',
  http: 'WEBHOOK_HTTP_STATUS',
  redirect: 'WEBHOOK_REDIRECT',
  gone: 'WEBHOOK_GONE',
  network: 'WEBHOOK_NETWORK',
  circuitOpen: 'WEBHOOK_CIRCUIT_OPEN',
  disabled: 'WEBHOOK_ENDPOINT_DISABLED',
  deadline: 'WEBHOOK_DEADLINE_EXCEEDED',
  aborted: 'WEBHOOK_ABORTED',
  unknownEndpoint: 'WEBHOOK_UNKNOWN_ENDPOINT',
  closed: 'WEBHOOK_ENGINE_CLOSED',
  store: 'WEBHOOK_STORE',
  /** Raised by `signing.ts` (`WebhookSecretError`) for a secret that cannot be a key. */
  secret: 'WEBHOOK_SECRET_INVALID',
  /** {@link RedeliverError}: no dead letter and no delivery in the history has that id. */
  redeliverUnknown: 'WEBHOOK_REDELIVER_UNKNOWN',
  /** {@link RedeliverError}: the delivery's body has left the history (its bound in bytes). */
  redeliverBodyGone: 'WEBHOOK_REDELIVER_BODY_GONE',
  /** {@link RedeliverError}: a before-webhook's delivery, whose answer already decided its event. */
  redeliverGate: 'WEBHOOK_REDELIVER_GATE',
  /** {@link RedeliverError}: the delivery is still pending (retried, or held while its webhook is disabled). */
  redeliverPending: 'WEBHOOK_REDELIVER_PENDING',
} as const;

/** One of the {@link WebhookErrorCodes}. */
export type WebhookErrorCode = (typeof WebhookErrorCodes)[keyof typeof WebhookErrorCodes];

const CODES: ReadonlySet<string> = new Set(Object.values(WebhookErrorCodes));

/** Base class of all servo-webhooks errors. */
export class WebhookError extends Error {
  /** Stable, machine-readable identifier of the failure. */
  readonly code: WebhookErrorCode;
  constructor(code: WebhookErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An attempt did not complete (headers and body) within its time budget. */
export class WebhookTimeoutError extends WebhookError {
  constructor(
    /** The endpoint's name. */
    readonly webhook: string,
    /** The budget that ran out, in milliseconds. */
    readonly timeoutMs: number,
    /** What was still outstanding when the time ran out. */
    readonly phase: 'headers' | 'body',
  ) {
    super(WebhookErrorCodes.timeout, `webhook "${webhook}" timed out after ${timeoutMs} ms waiting for the response ${phase}`);
  }
}

/** The receiver answered with a non-2xx status (other than 3xx and 410, which have their own classes). */
export class WebhookHttpError extends WebhookError {
  constructor(
    /** The endpoint's name. */
    readonly webhook: string,
    /** HTTP status of the response. */
    readonly status: number,
    code: WebhookErrorCode = WebhookErrorCodes.http,
    message = `webhook "${webhook}" answered HTTP ${status}`,
  ) {
    super(code, message);
  }
}

/** The receiver answered with a redirect; signed POSTs are never re-sent elsewhere. */
export class WebhookRedirectError extends WebhookHttpError {
  constructor(
    webhook: string,
    status: number,
    /** The `Location` the receiver pointed to (not followed). */
    readonly location: string | undefined,
  ) {
    super(
      webhook,
      status,
      WebhookErrorCodes.redirect,
      `webhook "${webhook}" answered HTTP ${status} redirect${location ? ` to ${location}` : ''}; redirects are not followed: configure the final URL`,
    );
  }
}

/** The receiver answered 410 Gone: the endpoint is disabled until re-enabled. */
export class WebhookGoneError extends WebhookHttpError {
  constructor(webhook: string) {
    super(webhook, 410, WebhookErrorCodes.gone, `webhook "${webhook}" answered HTTP 410 Gone; endpoint disabled until enabled again`);
  }
}

/** The connection failed (refused, reset, TLS, DNS...). */
export class WebhookNetworkError extends WebhookError {
  constructor(
    /** The endpoint's name. */
    readonly webhook: string,
    /** The low-level code (e.g. `ECONNRESET`, `UND_ERR_SOCKET`), when known. */
    readonly causeCode: string | undefined,
    cause: unknown,
  ) {
    super(
      WebhookErrorCodes.network,
      `webhook "${webhook}" network error${causeCode ? ` ${causeCode}` : ''}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

/** The endpoint's circuit breaker is open: it failed repeatedly and is cooling down. */
export class CircuitOpenError extends WebhookError {
  constructor(
    /** The endpoint's name. */
    readonly webhook: string,
    /** Epoch ms at which a probe will be allowed again. */
    readonly retryAt: number,
  ) {
    super(WebhookErrorCodes.circuitOpen, `webhook "${webhook}" circuit is open after repeated failures`);
  }
}

/** The endpoint is disabled (it answered 410 Gone) until `enable(name)`. */
export class EndpointDisabledError extends WebhookError {
  constructor(
    /** The endpoint's name. */
    readonly webhook: string,
  ) {
    super(WebhookErrorCodes.disabled, `webhook "${webhook}" is disabled (it answered 410 Gone)`);
  }
}

/** A `send()` ran out of its overall deadline before any attempt succeeded. */
export class DeadlineExceededError extends WebhookError {
  constructor(
    /** The endpoint's name. */
    readonly webhook: string,
    /** The deadline, in milliseconds. */
    readonly deadlineMs: number,
    cause?: unknown,
  ) {
    super(WebhookErrorCodes.deadline, `webhook "${webhook}" got no successful answer within ${deadlineMs} ms`, { cause });
  }
}

/** The caller aborted a `send()`. */
export class WebhookAbortedError extends WebhookError {
  constructor(
    /** The endpoint's name. */
    readonly webhook: string,
    cause?: unknown,
  ) {
    super(WebhookErrorCodes.aborted, `webhook "${webhook}" request aborted`, { cause });
  }
}

/** A delivery names an endpoint the engine does not know. */
export class UnknownEndpointError extends WebhookError {
  constructor(
    /** The unknown name. */
    readonly webhook: string,
    /** The configured names. */
    readonly known: readonly string[],
  ) {
    super(WebhookErrorCodes.unknownEndpoint, `unknown webhook "${webhook}"; configured: ${known.join(', ') || '(none)'}`);
  }
}

/** The engine is draining or closed and takes no new deliveries. */
export class EngineClosedError extends WebhookError {
  constructor(state: 'draining' | 'closed') {
    super(WebhookErrorCodes.closed, `webhook delivery engine is ${state}; no new deliveries are accepted`);
  }
}

/** The delivery store failed (file unreadable, schema mismatch, disk full...). */
export class WebhookStoreError extends WebhookError {
  constructor(message: string, options?: ErrorOptions) {
    super(WebhookErrorCodes.store, message, options);
  }
}

/** Why `engine.redeliver(id)` cannot send a delivery again; `code` says which case. */
export class RedeliverError extends WebhookError {
  constructor(
    code:
      | typeof WebhookErrorCodes.redeliverUnknown
      | typeof WebhookErrorCodes.redeliverBodyGone
      | typeof WebhookErrorCodes.redeliverGate
      | typeof WebhookErrorCodes.redeliverPending,
    /** The delivery id asked for. */
    readonly id: string,
    message: string,
  ) {
    super(code, message);
  }

  /** No dead letter and no delivery in the history has `id`. */
  static unknown(id: string): RedeliverError {
    return new RedeliverError(
      WebhookErrorCodes.redeliverUnknown,
      id,
      `delivery ${id} is neither a dead letter nor in the delivery history (it may have left the history, or been delivered by another process)`,
    );
  }

  /** The body of `id` left the history to keep it within `history.max_bytes`. */
  static bodyGone(id: string): RedeliverError {
    return new RedeliverError(
      WebhookErrorCodes.redeliverBodyGone,
      id,
      `delivery ${id} cannot be sent again: its body has left the delivery history, which keeps at most history.max_bytes; raise history.max_bytes to keep bodies longer`,
    );
  }

  /** `id` was a before-webhook's delivery. */
  static gate(id: string, webhook: string): RedeliverError {
    return new RedeliverError(
      WebhookErrorCodes.redeliverGate,
      id,
      `delivery ${id} was sent by before-webhook "${webhook}" while its event waited; its answer already decided the event, so it is not sent again`,
    );
  }

  /** `id` is still pending. */
  static pending(id: string, webhook: string): RedeliverError {
    return new RedeliverError(
      WebhookErrorCodes.redeliverPending,
      id,
      `delivery ${id} to webhook "${webhook}" is still pending: it is retried (or held until the webhook is enabled), not sent again now`,
    );
  }
}

function codeOf(err: unknown): unknown {
  return typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
}

/**
 * True for any error of this package (from any copy of it); with `code`, only
 * for that code.
 * @example
 * if (isWebhookError(err, 'WEBHOOK_TIMEOUT')) retryLater();
 */
export function isWebhookError(err: unknown, code?: WebhookErrorCode): err is WebhookError {
  const c = codeOf(err);
  return typeof c === 'string' && (code === undefined ? CODES.has(c) : c === code);
}

/** True for a {@link WebhookTimeoutError}. */
export function isWebhookTimeoutError(err: unknown): err is WebhookTimeoutError {
  return codeOf(err) === WebhookErrorCodes.timeout;
}

/** True for a {@link WebhookHttpError} or one of its subclasses (redirect, gone). */
export function isWebhookHttpError(err: unknown): err is WebhookHttpError {
  const c = codeOf(err);
  return c === WebhookErrorCodes.http || c === WebhookErrorCodes.redirect || c === WebhookErrorCodes.gone;
}

/** True for a {@link CircuitOpenError}. */
export function isCircuitOpenError(err: unknown): err is CircuitOpenError {
  return codeOf(err) === WebhookErrorCodes.circuitOpen;
}

/** True for a {@link WebhookNetworkError}. */
export function isWebhookNetworkError(err: unknown): err is WebhookNetworkError {
  return codeOf(err) === WebhookErrorCodes.network;
}
