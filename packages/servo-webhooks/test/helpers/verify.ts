/**
 * Independent verification of webhook signatures, as a receiver would do it:
 * `X-Servo-Signature` with node:crypto, the Standard Webhooks headers with the
 * `standardwebhooks` package. Nothing here uses the connector's own signing code.
 * @module
 */
import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { RecordedRequest } from '../../../../test-support/index.js';

/** Lowercase hex HMAC-SHA1 of `body`, keyed with the secret's UTF-8 bytes (the seed's Python example). */
export function hmacSha1Hex(secret: string, body: Buffer): string {
  return createHmac('sha1', Buffer.from(secret, 'utf8')).update(body).digest('hex');
}

/**
 * Verifies the Standard Webhooks headers of `req` with the `standardwebhooks`
 * package: a `whsec_` secret as the library's default (base64 key), any other
 * secret in its `raw` format. Returns the parsed payload; throws when invalid.
 */
export function verifyStandard(secret: string, req: RecordedRequest): unknown {
  const wh = secret.startsWith('whsec_') ? new Webhook(secret) : new Webhook(secret, { format: 'raw' });
  return wh.verify(req.body, {
    'webhook-id': req.header('webhook-id') ?? '',
    'webhook-timestamp': req.header('webhook-timestamp') ?? '',
    'webhook-signature': req.header('webhook-signature') ?? '',
  });
}

/** True when both signatures of `req` verify with `secret`. */
export function signedWith(secret: string, req: RecordedRequest): boolean {
  if (req.header('x-servo-signature') !== hmacSha1Hex(secret, req.body)) return false;
  try {
    verifyStandard(secret, req);
    return true;
  } catch {
    return false;
  }
}

/**
 * The Standard Webhooks check done by hand with node:crypto over the raw bytes,
 * for bodies that are not UTF-8 text (the `standardwebhooks` library decodes a
 * Buffer payload as UTF-8 before signing, so it cannot verify binary bodies).
 */
export function standardSignatureMatches(secret: string, req: RecordedRequest): boolean {
  const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8');
  const expected = createHmac('sha256', key)
    .update(`${req.header('webhook-id')}.${req.header('webhook-timestamp')}.`)
    .update(req.body)
    .digest('base64');
  return (req.header('webhook-signature') ?? '').split(' ').includes(`v1,${expected}`);
}
