/**
 * What both builds of `servo-webhooks/receiver` export besides `verify`
 * (which each binds to its crypto backend).
 * @module
 */
export { cancel, cancelResponse, CANCEL_CONTENT_TYPE, type Answer } from './cancel.js';
export { DEFAULT_TOLERANCE_SECONDS, type RawBody, type Verified, type VerifyOptions } from './core.js';
export { isReceiverError, ReceiverError, ReceiverErrorCodes, type ReceiverErrorCode, type SchemeResult } from './errors.js';
export type { HeadersInput } from './headers.js';
export { Idempotency, type Claim, type IdempotencyOptions } from './idempotency.js';
export * from './parse.js';
