/**
* Request signatures. Every webhook request carries two, computed over the
* exact body bytes that are sent:
*
* - `x-servo-signature`: lowercase hex HMAC-SHA1 of the raw body, keyed with
*   the secret's UTF-8 bytes. Wire-compatible with the original Python
*   servo-webhooks, so existing receivers keep working.
* - Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`):
*   `v1,` + base64 HMAC-SHA256 over `{id}.{timestamp}.{body}`. A secret of the
*   form `whsec_<base64>` is keyed with the decoded bytes, any other secret with
*   its UTF-8 bytes (the `standardwebhooks` libraries' "raw" format).
*
* Receivers must verify the raw body as received, never a re-serialised copy.
* @module
*/
import { createHmac, createSecretKey, timingSafeEqual } from "node:crypto";
/** A webhook secret that cannot be used as a signing key. The message never contains the secret. */
export class WebhookSecretError extends Error {
	/** Stable, machine-readable identifier of the failure. */
	code = "WEBHOOK_SECRET_INVALID";
	constructor(message) {
		super(message);
		this.name = "WebhookSecretError";
	}
}
/** Default timestamp tolerance of {@link verifyStandardSignature}, as in the Standard Webhooks libraries. */
export const DEFAULT_TOLERANCE_SECONDS = 300;
const WHSEC_PREFIX = "whsec_";
// Standard alphabet; padding optional, but a lone trailing character is never valid base64.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;
const DECIMAL = /^[0-9]{1,15}$/;
// Secrets are few (one per webhook) and signing is on the delivery hot path:
// derive each secret's keys once. The cap only guards against misuse.
const MAX_CACHED_SECRETS = 1024;
const keyCache = new Map();
function keysFor(secret) {
	const cached = keyCache.get(secret);
	if (cached !== undefined) return cached;
	if (typeof secret !== "string" || secret.length === 0) {
		throw new WebhookSecretError("webhook secret must be a non-empty string");
	}
	const servo = createSecretKey(Buffer.from(secret, "utf8"));
	let standard = servo;
	if (secret.startsWith(WHSEC_PREFIX)) {
		const encoded = secret.slice(WHSEC_PREFIX.length);
		if (encoded.length === 0 || !BASE64.test(encoded)) {
			throw new WebhookSecretError("webhook secret starts with \"whsec_\" but the rest is not valid base64 (standard alphabet); " + "use \"whsec_\" followed by base64 of random bytes, or a secret without the prefix");
		}
		standard = createSecretKey(Buffer.from(encoded, "base64"));
	}
	if (keyCache.size >= MAX_CACHED_SECRETS) keyCache.clear();
	const keys = {
		servo,
		standard
	};
	keyCache.set(secret, keys);
	return keys;
}
/**
* Checks that `secret` can sign (non-empty; valid base64 after `whsec_`), e.g.
* when loading the configuration, and warms the key cache.
* @throws WebhookSecretError
*/
export function assertValidSecret(secret) {
	keysFor(secret);
}
/**
* The original servo-webhooks signature: lowercase hex HMAC-SHA1 of `body`,
* keyed with the secret's UTF-8 bytes (`hmac.new(secret.encode(), body, sha1).hexdigest()`).
* @throws WebhookSecretError for an empty secret or a malformed `whsec_` secret.
*/
export function servoSignature(secret, body) {
	return createHmac("sha1", keysFor(secret).servo).update(body).digest("hex");
}
/**
* The Standard Webhooks signature: `v1,` + base64 HMAC-SHA256 over
* `${id}.${timestampSeconds}.` followed by the body bytes.
* @throws WebhookSecretError for an empty secret or a malformed `whsec_` secret.
* @throws RangeError when `timestampSeconds` is not a non-negative integer.
*/
export function standardSignature(secret, id, timestampSeconds, body) {
	return "v1," + standardDigest(keysFor(secret).standard, id, checkTimestamp(timestampSeconds), body);
}
/**
* Both signature schemes for one delivery attempt, as lowercase header names.
* `id` stays the same across retries; `timestampSeconds` is the attempt's time.
* @throws WebhookSecretError for an empty secret or a malformed `whsec_` secret.
* @throws RangeError when `timestampSeconds` is not a non-negative integer.
*/
export function signRequest(secret, id, body, timestampSeconds) {
	const keys = keysFor(secret);
	const timestamp = checkTimestamp(timestampSeconds);
	return {
		"x-servo-signature": createHmac("sha1", keys.servo).update(body).digest("hex"),
		"webhook-id": id,
		"webhook-timestamp": timestamp,
		"webhook-signature": "v1," + standardDigest(keys.standard, id, timestamp, body)
	};
}
/**
* Receiver side of {@link servoSignature}: true when `header` (hex, any case,
* surrounding whitespace ignored) matches `body`. Constant-time comparison.
* A string body is taken as its UTF-8 bytes.
*/
export function verifyServoSignature(secret, body, header) {
	if (typeof header !== "string") return false;
	const expected = createHmac("sha1", keysFor(secret).servo).update(body).digest("hex");
	return safeEqual(expected, header.trim().toLowerCase());
}
/**
* Receiver side of {@link standardSignature}: true when one of the
* space-separated `v1,` signatures matches and the timestamp is within
* `toleranceSeconds` (default 300) of now, in either direction. Entries of
* other versions (e.g. `v1a,`) are ignored. Constant-time comparison.
* A string body is taken as its UTF-8 bytes.
*/
export function verifyStandardSignature(secret, headers, body, opts = {}) {
	const { id, timestamp, signature } = headers;
	if (!id || typeof timestamp !== "string" || typeof signature !== "string") return false;
	if (!DECIMAL.test(timestamp)) return false;
	const now = opts.nowSeconds ?? Math.floor(Date.now() / 1e3);
	const tolerance = opts.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
	if (Math.abs(now - Number(timestamp)) > tolerance) return false;
	const expected = standardDigest(keysFor(secret).standard, id, timestamp, body);
	for (const entry of signature.split(" ")) {
		const comma = entry.indexOf(",");
		if (comma < 0 || entry.slice(0, comma) !== "v1") continue;
		if (safeEqual(expected, entry.slice(comma + 1))) return true;
	}
	return false;
}
function standardDigest(key, id, timestamp, body) {
	return createHmac("sha256", key).update(`${id}.${timestamp}.`).update(body).digest("base64");
}
function checkTimestamp(seconds) {
	if (!Number.isSafeInteger(seconds) || seconds < 0) {
		throw new RangeError(`webhook timestamp must be a non-negative integer of Unix seconds, got ${seconds}`);
	}
	return String(seconds);
}
/** Constant-time equality of two strings' UTF-8 bytes (their length is not secret). */
function safeEqual(expected, actual) {
	const a = Buffer.from(expected, "utf8");
	const b = Buffer.from(actual, "utf8");
	return a.length === b.length && timingSafeEqual(a, b);
}
