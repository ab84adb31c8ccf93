/**
 * A webhook's `secret` (one, or a list for rotation: the first signs
 * `x-servo-signature`, each adds a `v1` signature) and `signing_key` (`whsk_`
 * ed25519, adding `v1a`): their schemas and the checks that they can sign,
 * located at the list item. Messages never contain a secret.
 * @module
 */
import { z } from 'servo-core';
import { assertValidSecret } from '../signing.js';
import { signingKeyOf } from '../signing-keys.js';

function secretField() {
  return z.string({ error: 'a secret must be a string' }).min(1, 'the secret cannot be empty');
}

/** `secret:` one string, or a non-empty list of them. */
export function secretSchema() {
  return z.union([secretField(), z.array(secretField()).min(1, 'list at least one secret')], {
    error: 'a secret is required to sign requests (a string, or a list for rotation; use ${ENV_VAR} to keep it out of the file)',
  });
}

/** `signing_key:` a `whsk_` ed25519 key, optional. */
export function signingKeySchema() {
  return z.string().min(1, 'the signing key cannot be empty').optional();
}

/** Adds an issue for each secret or signing key that cannot sign (a malformed `whsec_`, a damaged `whsk_`). */
export function checkSecrets(w: { secret: string | readonly string[]; signing_key?: string | undefined }, ctx: z.RefinementCtx): void {
  const list = typeof w.secret === 'string' ? [w.secret] : w.secret;
  list.forEach((secret, n) => {
    if (secret === '') return; // the schema says it is empty: one error, not two
    try {
      assertValidSecret(secret);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message, path: typeof w.secret === 'string' ? ['secret'] : ['secret', n] });
    }
  });
  if (w.signing_key !== undefined) {
    try {
      signingKeyOf(w.signing_key);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message, path: ['signing_key'] });
    }
  }
}
