/** Default backoff: waits drawn from [0, 1 s), [0, 2 s), [0, 4 s)... capped at 5 min. */
export const DEFAULT_BACKOFF = {
	initialMs: 1e3,
	maxMs: 3e5
};
/**
* What an HTTP status means for a delivery: 2xx delivered; 408, 429 and 5xx
* retried; 410 disables the endpoint; 3xx is a (not followed) redirect; any
* other status is a permanent failure.
*/
export function classifyStatus(status) {
	if (status >= 200 && status < 300) return "delivered";
	if (status === 408 || status === 429 || status >= 500) return "retry";
	if (status === 410) return "gone";
	if (status >= 300 && status < 400) return "redirect";
	return "failed";
}
/**
* Milliseconds to wait according to a `Retry-After` value (delay-seconds or an
* HTTP date); `undefined` when absent or unparseable.
*/
export function parseRetryAfter(value, nowMs) {
	if (value === undefined) return undefined;
	const v = value.trim();
	if (/^\d+$/.test(v)) return Number(v) * 1e3;
	const at = Date.parse(v);
	if (Number.isNaN(at)) return undefined;
	return Math.max(0, at - nowMs);
}
/**
* Full-jitter exponential backoff: a wait drawn uniformly from
* `[0, min(maxMs, initialMs * 2^(failures-1)))`.
*/
export function backoffDelay(failures, options, random) {
	const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.max(0, failures - 1));
	return Math.floor(random() * ceiling);
}
/**
* How long to wait before the next attempt, or `undefined` to give up: when
* retries are off, `maxTries` is used up, the time is up, or the receiver's
* `Retry-After` points past the deadline. Waits are clamped to the time left,
* so the last attempt happens at the deadline at the latest.
*/
export function nextRetryDelay(input) {
	const { policy, attempts, remainingMs, failure } = input;
	if (policy === false || attempts >= policy.maxTries || remainingMs <= 0) return undefined;
	if (failure.retryAfterMs !== undefined && failure.retryAfterMs > remainingMs) return undefined;
	let wait = backoffDelay(attempts, input.backoff, input.random);
	if (failure.retryAfterMs !== undefined) wait = Math.max(wait, failure.retryAfterMs);
	if (failure.slowDown) wait = Math.max(wait, input.floorMs);
	return Math.min(wait, remainingMs);
}
