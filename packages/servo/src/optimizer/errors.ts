/**
 * Errors of the optimizer client, each with a stable code from
 * `ServoErrorCodes`. Messages name the optimizer's endpoint, never the token.
 * @module
 */
import { ServoError, ServoErrorCodes } from '../errors.js';

/** Why a request failed, as the retry policy sees it. */
export type RequestFailureKind = 'network' | 'timeout' | 'status' | 'answer';

/** One request to the optimizer failed (network, timeout, HTTP status, unreadable answer). */
export class OptimizerRequestError extends ServoError {
  constructor(
    message: string,
    readonly details: {
      readonly kind: RequestFailureKind;
      /** The HTTP status, when there was an answer. */
      readonly status?: number | undefined;
      /** Retry-After of a 429 or 503, in ms. */
      readonly retryAfterMs?: number | undefined;
      /** The start of the answer's body (for the log). */
      readonly body?: string | undefined;
    },
    options?: ErrorOptions,
  ) {
    super(ServoErrorCodes.optimizerRequest, message, options);
  }

  /** 404, 408, 429, 5xx, timeouts and network errors are worth another try; other answers are not. */
  get retryable(): boolean {
    const { kind, status } = this.details;
    if (kind === 'network' || kind === 'timeout') return true;
    if (kind !== 'status' || status === undefined) return false;
    return status === 404 || status === 408 || status === 429 || status >= 500;
  }
}

/** The optimizer refused the servo's credentials (401/403): the servo stops (exit 1). */
export class OptimizerUnauthorizedError extends ServoError {
  constructor(
    readonly endpoint: string,
    readonly status: number,
  ) {
    super(
      ServoErrorCodes.optimizerUnauthorized,
      `the optimizer at ${endpoint} refused the servo's credentials (HTTP ${status}); check the token (--token, --token-file, OPSANI_TOKEN, OPSANI_TOKEN_FILE or optimizer.token)`,
    );
  }
}
