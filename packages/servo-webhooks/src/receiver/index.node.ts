/**
 * `servo-webhooks/receiver`, the node:crypto build (the `node` export condition):
 * verify servo's webhook signatures, parse bodies, answer a gate, drop
 * duplicates. Same API as the WebCrypto build (index.ts); keys are imported
 * into node:crypto once per secret and cached, and HMACs run synchronously
 * (no thread-pool hop per request).
 * @module
 */
import { verifyWith, type RawBody, type Verified, type VerifyOptions } from './core.js';
import { nodeBackend } from './crypto-node.js';
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
  return verifyWith(nodeBackend, rawBody, headers, opts);
}
