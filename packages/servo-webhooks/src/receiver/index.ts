/**
 * `servo-webhooks/receiver`, the WebCrypto build (any Fetch-API runtime):
 * verify servo's webhook signatures, parse bodies, answer a gate, drop
 * duplicates. No dependency beyond the platform, nothing from `node:*`
 * (Node picks the node:crypto build, index.node.ts, through the `node` export
 * condition; the API is the same).
 * @module
 */
import { verifyWith, type RawBody, type Verified, type VerifyOptions } from './core.js';
import { webBackend } from './crypto-web.js';
import type { HeadersInput } from './headers.js';

export * from './api.js';

/**
 * Verifies a request's signatures over its raw body: `webhook-signature`
 * (Standard Webhooks `v1` with `secrets`, `v1a` with `publicKeys`; timestamp
 * within `toleranceSeconds`, default 300, either way) and `x-servo-signature`
 * (HMAC-SHA1 with `secrets`). Constant-time comparisons; any of several
 * secrets or keys may match (rotation).
 * @throws ReceiverError with a stable `code` and the HTTP `status` to answer.
 */
export function verify(rawBody: RawBody, headers: HeadersInput, opts: VerifyOptions): Promise<Verified> {
  return verifyWith(webBackend, rawBody, headers, opts);
}
