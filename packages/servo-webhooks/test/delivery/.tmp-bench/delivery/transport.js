/**
* The HTTP side of the engine: one pooled keep-alive undici `Agent` shared by
* all endpoints, one POST per call, with an overall per-attempt timeout that
* covers connecting, the response headers and the (capped) response body.
* @module
*/
import { readFileSync } from "node:fs";
import { WebhookAbortedError, WebhookNetworkError, WebhookTimeoutError, isWebhookError } from "../errors.js";
/** Default response body cap: 64 KiB. */
export const DEFAULT_BODY_CAP = 64 * 1024;
/** Splits an endpoint URL into origin and path (done once per endpoint). */
export function toTarget(url) {
	const u = new URL(url);
	return {
		origin: u.origin,
		path: (u.pathname || "/") + u.search
	};
}
const TIMEOUT_CODES = new Set([
	"UND_ERR_HEADERS_TIMEOUT",
	"UND_ERR_BODY_TIMEOUT",
	"UND_ERR_CONNECT_TIMEOUT"
]);
/**
* Sends signed POSTs. Redirects are never followed: undici 7 only follows them
* through its redirect interceptor, which is not installed, so a 3xx comes
* back as a response like any other. TLS certificates are always verified.
*/
export class Transport {
	options;
	agent;
	bodyCap;
	ca;
	constructor(options = {}) {
		this.options = options;
		this.bodyCap = options.bodyCap ?? DEFAULT_BODY_CAP;
		if (options.ca) this.ca = [readFileSync(options.ca, "utf8")];
	}
	/** undici is loaded on the first POST, not when the engine is built. */
	getAgent() {
		return this.agent ??= import("undici").then(async ({ Agent }) => {
			const connect = { rejectUnauthorized: true };
			if (this.ca) {
				const { rootCertificates } = await import("node:tls");
				connect.ca = [...rootCertificates, ...this.ca];
			}
			return new Agent({
				allowH2: this.options.http2 === true,
				keepAliveTimeout: this.options.keepAliveTimeoutMs ?? 4e3,
				connect
			});
		});
	}
	/**
	* POSTs `body` and reads the response (body up to the cap). Rejects with a
	* {@link WebhookTimeoutError}, {@link WebhookNetworkError} or
	* {@link WebhookAbortedError}; any HTTP status resolves.
	*/
	async post(req) {
		const { webhook, timeoutMs, signal } = req;
		if (signal?.aborted) throw new WebhookAbortedError(webhook, signal.reason);
		const agent = await this.getAgent();
		const ac = new AbortController();
		let phase = "headers";
		const timer = setTimeout(() => ac.abort(new WebhookTimeoutError(webhook, timeoutMs, phase)), timeoutMs);
		timer.unref();
		const onAbort = () => ac.abort(new WebhookAbortedError(webhook, signal?.reason));
		signal?.addEventListener("abort", onAbort, { once: true });
		const started = performance.now();
		try {
			const res = await agent.request({
				origin: req.target.origin,
				path: req.target.path,
				method: "POST",
				headers: req.headers,
				body: req.body,
				signal: ac.signal,
				// Backstops only: the timer above is the real, overall budget.
				headersTimeout: timeoutMs + 1e3,
				bodyTimeout: timeoutMs + 1e3
			});
			phase = "body";
			const { body, truncated } = await readCapped(res.body, this.bodyCap);
			return {
				status: res.statusCode,
				headers: flattenHeaders(res.headers),
				body,
				truncated,
				durationMs: performance.now() - started
			};
		} catch (err) {
			const reason = ac.signal.aborted ? ac.signal.reason : undefined;
			if (isWebhookError(reason)) throw reason;
			if (isWebhookError(err)) throw err;
			const code = err?.code;
			if (typeof code === "string" && TIMEOUT_CODES.has(code)) throw new WebhookTimeoutError(webhook, timeoutMs, phase);
			throw new WebhookNetworkError(webhook, typeof code === "string" ? code : undefined, err);
		} finally {
			clearTimeout(timer);
			signal?.removeEventListener("abort", onAbort);
		}
	}
	/** Waits for in-flight requests, then closes all connections. */
	async close() {
		if (this.agent) await (await this.agent).close();
	}
	/** Aborts in-flight requests and closes all connections. */
	async destroy() {
		if (this.agent) await (await this.agent).destroy();
	}
}
/**
* Reads at most `cap` bytes; a longer body is cut and its stream destroyed
* (which closes that connection) so a huge or endless body costs no memory.
*/
async function readCapped(stream, cap) {
	const chunks = [];
	let size = 0;
	let truncated = false;
	for await (const chunk of stream) {
		const room = cap - size;
		if (chunk.byteLength > room) {
			if (room > 0) chunks.push(chunk.subarray(0, room));
			size += Math.max(0, room);
			truncated = true;
			break;
		}
		chunks.push(chunk);
		size += chunk.byteLength;
	}
	if (truncated) stream.destroy();
	return {
		body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size),
		truncated
	};
}
function flattenHeaders(headers) {
	const out = {};
	for (const k in headers) {
		const v = headers[k];
		if (v !== undefined) out[k] = Array.isArray(v) ? v.join(", ") : v;
	}
	return out;
}
