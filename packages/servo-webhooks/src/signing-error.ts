/**
 * The error of a secret or signing key that cannot sign (its own module, so that
 * signing.ts and signing-keys.ts share it without a cycle).
 * @module
 */

/** A webhook secret that cannot be used as a signing key. The message never contains the secret. */
export class WebhookSecretError extends Error {
  /** Stable, machine-readable identifier of the failure. */
  readonly code = 'WEBHOOK_SECRET_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'WebhookSecretError';
  }
}
