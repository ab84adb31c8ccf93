/**
 * The receiver toolkit's one error class. Each failure has a stable `code` and
 * the HTTP status a receiver should answer with; messages never contain a
 * secret or key.
 * @module
 */

/** Every code a {@link ReceiverError} can carry, with the HTTP status it maps to. */
export const ReceiverErrorCodes = Object.freeze({
  /** A webhook-id / webhook-timestamp / webhook-signature header is missing (or no signature header at all). */
  missing_headers: 400,
  /** A signature header appears more than once. */
  duplicate_header: 400,
  /** A header is not in its documented form (timestamp not an integer, signature not hex). */
  malformed_header: 400,
  /** The timestamp is older than the tolerance. */
  timestamp_too_old: 401,
  /** The timestamp is further in the future than the tolerance. */
  timestamp_too_new: 401,
  /** No signature matches any given secret or public key. */
  no_match: 401,
  /** The body is not a servo webhook envelope (not UTF-8 JSON, or a field of the wrong shape). */
  invalid_body: 400,
  /** The body is larger than the limit. */
  body_too_large: 413,
  /** The body was already parsed or read by something else (a body parser); the raw bytes are gone. */
  body_consumed: 500,
  /** A secret or public key given to the toolkit cannot be used (the receiver's configuration). */
  invalid_key: 500,
  /** An option given to the toolkit is invalid (the receiver's code). */
  invalid_option: 500,
  /** The message id is being handled by another request right now. */
  in_progress: 409,
});

/** A stable code of {@link ReceiverError}. */
export type ReceiverErrorCode = keyof typeof ReceiverErrorCodes;

/** How one signature scheme fared on a request. */
export interface SchemeResult {
  /** `x-servo-signature` (HMAC-SHA1 hex) or `webhook-signature` (Standard Webhooks v1 / v1a). */
  scheme: 'x-servo-signature' | 'webhook-signature';
  /** true: verified; false: failed; undefined: present but not checked (no key for it). */
  ok: boolean | undefined;
  /** Why it failed or was not checked. */
  code?: ReceiverErrorCode;
  /** A sentence saying why (never a secret). */
  reason: string;
  /** Which entry verified: `v1` or `v1a` (webhook-signature), `hmac-sha1` (x-servo-signature). */
  version?: 'v1' | 'v1a' | 'hmac-sha1';
  /** Index into the secrets (or public keys for v1a) that verified. */
  keyIndex?: number;
}

/** A request or a receiver configuration the toolkit refuses; `status` is the HTTP answer to give. */
export class ReceiverError extends Error {
  /** Stable, machine-readable identifier of the failure. */
  readonly code: ReceiverErrorCode;
  /** HTTP status a receiver should answer with. */
  readonly status: number;
  /** Per-scheme outcome, for signature failures. */
  readonly schemes: readonly SchemeResult[];
  constructor(code: ReceiverErrorCode, message: string, schemes: readonly SchemeResult[] = []) {
    super(message);
    this.name = 'ReceiverError';
    this.code = code;
    this.status = ReceiverErrorCodes[code];
    this.schemes = schemes;
  }
}

/** True for a {@link ReceiverError} (also across copies of the module). */
export function isReceiverError(error: unknown): error is ReceiverError {
  return error instanceof ReceiverError || (error instanceof Error && error.name === 'ReceiverError' && typeof (error as { code?: unknown }).code === 'string');
}
