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
	timeout: "WEBHOOK_TIMEOUT",
	http: "WEBHOOK_HTTP_STATUS",
	redirect: "WEBHOOK_REDIRECT",
	gone: "WEBHOOK_GONE",
	network: "WEBHOOK_NETWORK",
	circuitOpen: "WEBHOOK_CIRCUIT_OPEN",
	disabled: "WEBHOOK_ENDPOINT_DISABLED",
	dropped: "WEBHOOK_DELIVERY_DROPPED",
	deadline: "WEBHOOK_DEADLINE_EXCEEDED",
	aborted: "WEBHOOK_ABORTED",
	unknownEndpoint: "WEBHOOK_UNKNOWN_ENDPOINT",
	closed: "WEBHOOK_ENGINE_CLOSED",
	store: "WEBHOOK_STORE",
	/** Raised by `signing.ts` (`WebhookSecretError`) for a secret that cannot be a key. */
	secret: "WEBHOOK_SECRET_INVALID"
};
const CODES = new Set(Object.values(WebhookErrorCodes));
/** Base class of all servo-webhooks errors. */
export class WebhookError extends Error {
	/** Stable, machine-readable identifier of the failure. */
	code;
	constructor(code, message, options) {
		super(message, options);
		this.name = new.target.name;
		this.code = code;
	}
}
/** An attempt did not complete (headers and body) within its time budget. */
export class WebhookTimeoutError extends WebhookError {
	webhook;
	timeoutMs;
	phase;
	constructor(webhook, timeoutMs, phase) {
		super(WebhookErrorCodes.timeout, `webhook "${webhook}" timed out after ${timeoutMs} ms waiting for the response ${phase}`);
		this.webhook = webhook;
		this.timeoutMs = timeoutMs;
		this.phase = phase;
	}
}
/** The receiver answered with a non-2xx status (other than 3xx and 410, which have their own classes). */
export class WebhookHttpError extends WebhookError {
	webhook;
	status;
	constructor(webhook, status, code = WebhookErrorCodes.http, message = `webhook "${webhook}" answered HTTP ${status}`) {
		super(code, message);
		this.webhook = webhook;
		this.status = status;
	}
}
/** The receiver answered with a redirect; signed POSTs are never re-sent elsewhere. */
export class WebhookRedirectError extends WebhookHttpError {
	location;
	constructor(webhook, status, location) {
		super(webhook, status, WebhookErrorCodes.redirect, `webhook "${webhook}" answered HTTP ${status} redirect${location ? ` to ${location}` : ""}; redirects are not followed: configure the final URL`);
		this.location = location;
	}
}
/** The receiver answered 410 Gone: the endpoint is disabled until re-enabled. */
export class WebhookGoneError extends WebhookHttpError {
	constructor(webhook) {
		super(webhook, 410, WebhookErrorCodes.gone, `webhook "${webhook}" answered HTTP 410 Gone; endpoint disabled until enabled again`);
	}
}
/** The connection failed (refused, reset, TLS, DNS...). */
export class WebhookNetworkError extends WebhookError {
	webhook;
	causeCode;
	constructor(webhook, causeCode, cause) {
		super(WebhookErrorCodes.network, `webhook "${webhook}" network error${causeCode ? ` ${causeCode}` : ""}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
		this.webhook = webhook;
		this.causeCode = causeCode;
	}
}
/** The endpoint's circuit breaker is open: it failed repeatedly and is cooling down. */
export class CircuitOpenError extends WebhookError {
	webhook;
	retryAt;
	constructor(webhook, retryAt) {
		super(WebhookErrorCodes.circuitOpen, `webhook "${webhook}" circuit is open after repeated failures`);
		this.webhook = webhook;
		this.retryAt = retryAt;
	}
}
/** The endpoint is disabled (it answered 410 Gone) until `enable(name)`. */
export class EndpointDisabledError extends WebhookError {
	webhook;
	constructor(webhook) {
		super(WebhookErrorCodes.disabled, `webhook "${webhook}" is disabled (it answered 410 Gone)`);
		this.webhook = webhook;
	}
}
/** A delivery was dropped because the in-memory queue was full (memory store only). */
export class DeliveryDroppedError extends WebhookError {
	webhook;
	deliveryId;
	maxQueue;
	constructor(webhook, deliveryId, maxQueue) {
		super(WebhookErrorCodes.dropped, `webhook "${webhook}" queue full (${maxQueue}): dropped oldest delivery ${deliveryId}`);
		this.webhook = webhook;
		this.deliveryId = deliveryId;
		this.maxQueue = maxQueue;
	}
}
/** A `send()` ran out of its overall deadline before any attempt succeeded. */
export class DeadlineExceededError extends WebhookError {
	webhook;
	deadlineMs;
	constructor(webhook, deadlineMs, cause) {
		super(WebhookErrorCodes.deadline, `webhook "${webhook}" got no successful answer within ${deadlineMs} ms`, { cause });
		this.webhook = webhook;
		this.deadlineMs = deadlineMs;
	}
}
/** The caller aborted a `send()`. */
export class WebhookAbortedError extends WebhookError {
	webhook;
	constructor(webhook, cause) {
		super(WebhookErrorCodes.aborted, `webhook "${webhook}" request aborted`, { cause });
		this.webhook = webhook;
	}
}
/** A delivery names an endpoint the engine does not know. */
export class UnknownEndpointError extends WebhookError {
	webhook;
	known;
	constructor(webhook, known) {
		super(WebhookErrorCodes.unknownEndpoint, `unknown webhook "${webhook}"; configured: ${known.join(", ") || "(none)"}`);
		this.webhook = webhook;
		this.known = known;
	}
}
/** The engine is draining or closed and takes no new deliveries. */
export class EngineClosedError extends WebhookError {
	constructor(state) {
		super(WebhookErrorCodes.closed, `webhook delivery engine is ${state}; no new deliveries are accepted`);
	}
}
/** The delivery store failed (file unreadable, schema mismatch, disk full...). */
export class WebhookStoreError extends WebhookError {
	constructor(message, options) {
		super(WebhookErrorCodes.store, message, options);
	}
}
function codeOf(err) {
	return typeof err === "object" && err !== null ? err.code : undefined;
}
/**
* True for any error of this package (from any copy of it); with `code`, only
* for that code.
* @example
* if (isWebhookError(err, 'WEBHOOK_TIMEOUT')) retryLater();
*/
export function isWebhookError(err, code) {
	const c = codeOf(err);
	return typeof c === "string" && (code === undefined ? CODES.has(c) : c === code);
}
/** True for a {@link WebhookTimeoutError}. */
export function isWebhookTimeoutError(err) {
	return codeOf(err) === WebhookErrorCodes.timeout;
}
/** True for a {@link WebhookHttpError} or one of its subclasses (redirect, gone). */
export function isWebhookHttpError(err) {
	const c = codeOf(err);
	return c === WebhookErrorCodes.http || c === WebhookErrorCodes.redirect || c === WebhookErrorCodes.gone;
}
/** True for a {@link CircuitOpenError}. */
export function isCircuitOpenError(err) {
	return codeOf(err) === WebhookErrorCodes.circuitOpen;
}
/** True for a {@link DeliveryDroppedError}. */
export function isDeliveryDroppedError(err) {
	return codeOf(err) === WebhookErrorCodes.dropped;
}
/** True for a {@link WebhookNetworkError}. */
export function isWebhookNetworkError(err) {
	return codeOf(err) === WebhookErrorCodes.network;
}
