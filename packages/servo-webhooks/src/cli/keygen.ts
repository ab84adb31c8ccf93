/**
 * `servo webhooks keygen`: a fresh ed25519 pair for Standard Webhooks `v1a`
 * signatures: the `whsk_` signing key for a webhook's `signing_key` (keep it
 * secret, e.g. in the environment) and the `whpk_` public key receivers verify
 * with. Printing the new key is this command's purpose; nothing else prints it.
 * @module
 */
import type { CliContext } from 'servo-core';
import { formatJson } from 'servo-core/cli';
import { generateSigningKey } from '../signing-keys.js';
import { outputOf, write } from './common.js';

/** `servo webhooks keygen` */
export function keygen(ctx: CliContext): void {
  const { signingKey, publicKey } = generateSigningKey();
  if (outputOf(ctx) === 'json') {
    write(ctx, formatJson({ signing_key: signingKey, public_key: publicKey }));
    return;
  }
  write(
    ctx,
    `signing_key: ${signingKey}\npublic_key:  ${publicKey}\n\n` +
      '# servo.yaml, on the webhook (keep the signing key out of the file: signing_key: ${WEBHOOK_SIGNING_KEY}):\n' +
      '#   signing_key: whsk_...   adds a v1a (ed25519) signature to webhook-signature\n' +
      '# receivers: verify with the public key, e.g. verify(body, headers, { publicKeys: ["whpk_..."] })\n',
  );
}
