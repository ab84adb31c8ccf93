/**
 * Request signatures. Every webhook request carries two, computed over the
 * exact body bytes that are sent:
 *
 * - `x-servo-signature`: lowercase hex HMAC-SHA1 of the raw body, keyed with
 *   the secret's UTF-8 bytes. Wire-compatible with the original Python
 *   servo-webhooks, so existing receivers keep working.
 * - Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`):
 *   `v1,` + base64 HMAC-SHA256 over `{id}.{timestamp}.{body}`. A secret of the
 *   form `whsec_<base64>` is keyed with the decoded bytes, any other secret with
 *   its UTF-8 bytes (the `standardwebhooks` libraries' "raw" format).
 * - Rotation: given several secrets, the first signs `x-servo-signature` (one
 *   hex value, as receivers of the original expect) and `webhook-signature`
 *   carries one `v1,` entry per secret, space-separated.
 * - `v1a,` + base64 ed25519 signature of the same content with a `whsk_`
 *   signing key (signing-keys.ts: the Standard Webhooks authors' encoding).
 *
 * Receivers must verify the raw body as received, never a re-serialised copy.
 * @module
 */
import { createHmac, createSecretKey, sign as ed25519Sign, timingSafeEqual, type KeyObject } from 'node:crypto';
import { WebhookSecretError } from './signing-error.js';
import { signingKeyOf } from './signing-keys.js';

export { WebhookSecretError } from './signing-error.js';
export { generateSigningKey, publicKeyOf } from './signing-keys.js';

/** The signature headers of one delivery attempt (lowercase names). */
export interface SignedHeaders {
  /** Hex HMAC-SHA1 of the body (original servo-webhooks scheme). */
  'x-servo-signature': string;
  /** Message id; identical on every retry of the same message. */
  'webhook-id': string;
  /** Unix seconds of this attempt, as a decimal integer. */
  'webhook-timestamp': string;
  /** `v1,<base64 HMAC-SHA256>` per secret, then `v1a,<base64 ed25519>` with a signing key, space-separated (Standard Webhooks). */
  'webhook-signature': string;
}

/** Signs deliveries for one webhook; keys derived once. */
export interface Signer {
  /** The signature headers of one attempt. */
  sign(id: string, body: Uint8Array, timestampSeconds: number): SignedHeaders;
}

/** The Standard Webhooks headers a receiver got, by meaning (values as received). */
export interface StandardSignatureHeaders {
  /** Value of `webhook-id`. */
  id: string | undefined;
  /** Value of `webhook-timestamp` (decimal Unix seconds). */
  timestamp: string | undefined;
  /** Value of `webhook-signature`: one or more space-separated `v1,<base64>` entries. */
  signature: string | undefined;
}

/** Options of {@link verifyStandardSignature}. */
export interface VerifyStandardOptions {
  /** Largest accepted distance between the timestamp and now, in seconds (replay protection). Default 300. */
  toleranceSeconds?: number;
  /** Current Unix time in seconds; defaults to the system clock. */
  nowSeconds?: number;
}

/** Default timestamp tolerance of {@link verifyStandardSignature}, as in the Standard Webhooks libraries. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

const WHSEC_PREFIX = 'whsec_';
// Standard alphabet; padding optional, but a lone trailing character is never valid base64.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;
const DECIMAL = /^[0-9]{1,15}$/;

interface Keys {
  /** HMAC-SHA1 key: the secret's UTF-8 bytes. */
  readonly servo: KeyObject;
  /** HMAC-SHA256 key: decoded `whsec_` payload, or the same bytes as `servo`. */
  readonly standard: KeyObject;
}

// Secrets are few (one per webhook) and signing is on the delivery hot path:
// derive each secret's keys once. The cap only guards against misuse.
const MAX_CACHED_SECRETS = 1024;
const keyCache = new Map<string, Keys>();

function keysFor(secret: string): Keys {
  const cached = keyCache.get(secret);
  if (cached !== undefined) return cached;
  if (typeof secret !== 'string' || secret.length === 0) {
    throw new WebhookSecretError('webhook secret must be a non-empty string');
  }
  const servo = createSecretKey(Buffer.from(secret, 'utf8'));
  let standard = servo;
  if (secret.startsWith(WHSEC_PREFIX)) {
    const encoded = secret.slice(WHSEC_PREFIX.length);
    if (encoded.length === 0 || !BASE64.test(encoded)) {
      throw new WebhookSecretError(
        'webhook secret starts with "whsec_" but the rest is not valid base64 (standard alphabet); ' +
          'use "whsec_" followed by base64 of random bytes, or a secret without the prefix',
      );
    }
    standard = createSecretKey(Buffer.from(encoded, 'base64'));
  }
  if (keyCache.size >= MAX_CACHED_SECRETS) keyCache.clear();
  const keys: Keys = { servo, standard };
  keyCache.set(secret, keys);
  return keys;
}

/**
 * Checks that `secret` can sign (non-empty; valid base64 after `whsec_`), e.g.
 * when loading the configuration, and warms the key cache.
 * @throws WebhookSecretError
 */
export function assertValidSecret(secret: string): void {
  keysFor(secret);
}

/**
 * The original servo-webhooks signature: lowercase hex HMAC-SHA1 of `body`,
 * keyed with the secret's UTF-8 bytes (`hmac.new(secret.encode(), body, sha1).hexdigest()`).
 * @throws WebhookSecretError for an empty secret or a malformed `whsec_` secret.
 */
export function servoSignature(secret: string, body: Uint8Array): string {
  return createHmac('sha1', keysFor(secret).servo).update(body).digest('hex');
}

/**
 * The Standard Webhooks signature: `v1,` + base64 HMAC-SHA256 over
 * `${id}.${timestampSeconds}.` followed by the body bytes.
 * @throws WebhookSecretError for an empty secret or a malformed `whsec_` secret.
 * @throws RangeError when `timestampSeconds` is not a non-negative integer.
 */
export function standardSignature(secret: string, id: string, timestampSeconds: number, body: Uint8Array): string {
  return 'v1,' + standardDigest(keysFor(secret).standard, id, checkTimestamp(timestampSeconds), body);
}

/**
 * A {@link Signer} for one webhook: `secret` (or a list, for rotation: the
 * first signs `x-servo-signature`, each adds a `v1,` entry) and an optional
 * `whsk_` ed25519 `signingKey` (adds a `v1a,` entry). Keys are derived here,
 * once, so signing costs only the HMACs (the delivery hot path).
 * @throws WebhookSecretError for an empty list or secret, a malformed `whsec_` secret, or an unusable signing key.
 */
export function createSigner(secret: string | readonly string[], signingKey?: string): Signer {
  const secrets = typeof secret === 'string' ? [secret] : secret;
  if (secrets.length === 0) throw new WebhookSecretError('a webhook needs at least one secret');
  const keys = secrets.map(keysFor);
  const servo = keys[0]!.servo;
  const standard = keys.map((k) => k.standard);
  const ed25519 = signingKey === undefined ? undefined : signingKeyOf(signingKey).privateKey;
  if (standard.length === 1 && ed25519 === undefined) {
    const only = standard[0]!;
    return {
      sign(id, body, timestampSeconds) {
        const timestamp = checkTimestamp(timestampSeconds);
        return {
          'x-servo-signature': createHmac('sha1', servo).update(body).digest('hex'),
          'webhook-id': id,
          'webhook-timestamp': timestamp,
          'webhook-signature': 'v1,' + standardDigest(only, id, timestamp, body),
        };
      },
    };
  }
  return {
    sign(id, body, timestampSeconds) {
      const timestamp = checkTimestamp(timestampSeconds);
      let signature = '';
      for (const key of standard) signature += (signature ? ' v1,' : 'v1,') + standardDigest(key, id, timestamp, body);
      if (ed25519 !== undefined) {
        const content = Buffer.concat([Buffer.from(`${id}.${timestamp}.`), body]);
        signature += ' v1a,' + ed25519Sign(null, content, ed25519).toString('base64');
      }
      return {
        'x-servo-signature': createHmac('sha1', servo).update(body).digest('hex'),
        'webhook-id': id,
        'webhook-timestamp': timestamp,
        'webhook-signature': signature,
      };
    },
  };
}

/**
 * Both signature schemes for one delivery attempt, as lowercase header names.
 * `id` stays the same across retries; `timestampSeconds` is the attempt's time.
 * `secret` may be a list (rotation) and `signingKey` a `whsk_` key, as in
 * {@link createSigner}; a webhook signing many requests should keep a signer.
 * @throws WebhookSecretError for an empty secret or a malformed `whsec_` secret or signing key.
 * @throws RangeError when `timestampSeconds` is not a non-negative integer.
 */
export function signRequest(secret: string | readonly string[], id: string, body: Uint8Array, timestampSeconds: number, signingKey?: string): SignedHeaders {
  if (typeof secret === 'string' && signingKey === undefined) {
    const keys = keysFor(secret);
    const timestamp = checkTimestamp(timestampSeconds);
    return {
      'x-servo-signature': createHmac('sha1', keys.servo).update(body).digest('hex'),
      'webhook-id': id,
      'webhook-timestamp': timestamp,
      'webhook-signature': 'v1,' + standardDigest(keys.standard, id, timestamp, body),
    };
  }
  return createSigner(secret, signingKey).sign(id, body, timestampSeconds);
}

/**
 * Receiver side of {@link servoSignature}: true when `header` (hex, any case,
 * surrounding whitespace ignored) matches `body`. Constant-time comparison.
 * A string body is taken as its UTF-8 bytes.
 */
export function verifyServoSignature(secret: string, body: Uint8Array | string, header: string | undefined): boolean {
  if (typeof header !== 'string') return false;
  const expected = createHmac('sha1', keysFor(secret).servo).update(body).digest('hex');
  return safeEqual(expected, header.trim().toLowerCase());
}

/**
 * Receiver side of {@link standardSignature}: true when one of the
 * space-separated `v1,` signatures matches and the timestamp is within
 * `toleranceSeconds` (default 300) of now, in either direction. Entries of
 * other versions (e.g. `v1a,`) are ignored. Constant-time comparison.
 * A string body is taken as its UTF-8 bytes.
 */
export function verifyStandardSignature(
  secret: string,
  headers: StandardSignatureHeaders,
  body: Uint8Array | string,
  opts: VerifyStandardOptions = {},
): boolean {
  const { id, timestamp, signature } = headers;
  if (!id || typeof timestamp !== 'string' || typeof signature !== 'string') return false;
  if (!DECIMAL.test(timestamp)) return false;
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tolerance = opts.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (Math.abs(now - Number(timestamp)) > tolerance) return false;
  const expected = standardDigest(keysFor(secret).standard, id, timestamp, body);
  for (const entry of signature.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
    if (safeEqual(expected, entry.slice(comma + 1))) return true;
  }
  return false;
}

function standardDigest(key: KeyObject, id: string, timestamp: string, body: Uint8Array | string): string {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64');
}

function checkTimestamp(seconds: number): string {
  if (!Number.isSafeInteger(seconds) || seconds < 0) {
    throw new RangeError(`webhook timestamp must be a non-negative integer of Unix seconds, got ${seconds}`);
  }
  return String(seconds);
}

/** Constant-time equality of two strings' UTF-8 bytes (their length is not secret). */
function safeEqual(expected: string, actual: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(actual, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
