/**
 * The verification logic shared by both builds of `servo-webhooks/receiver`;
 * the HMAC and ed25519 primitives come from a {@link CryptoBackend} (node:crypto
 * or WebCrypto). Hand-written because it is the product: the rules of both
 * schemes servo signs with, as the sender (signing.ts) applies them.
 * @module
 */
import { ReceiverError, type SchemeResult } from './errors.js';
import { readSignatureHeaders, type HeadersInput } from './headers.js';
import { listOf, parsePublicKey, parseSecret, type ParsedPublicKey, type ParsedSecret } from './keys.js';

/** The primitives a build supplies. Digests are raw bytes. */
export interface CryptoBackend {
  /** HMAC-SHA1 of `body` keyed with the secret's UTF-8 bytes. */
  servoDigest(secret: ParsedSecret, body: Uint8Array): Uint8Array | Promise<Uint8Array>;
  /** HMAC-SHA256 of `prefix` then `body`, keyed with the Standard Webhooks key. */
  standardDigest(secret: ParsedSecret, prefix: Uint8Array, body: Uint8Array): Uint8Array | Promise<Uint8Array>;
  /** ed25519 verification of `signature` over `prefix` then `body`. */
  verifyEd25519(key: ParsedPublicKey, prefix: Uint8Array, body: Uint8Array, signature: Uint8Array): boolean | Promise<boolean>;
  /** Constant-time equality of two byte strings of the same length. */
  equal(a: Uint8Array, b: Uint8Array): boolean;
  /** Decodes base64; undefined when invalid. */
  base64(text: string): Uint8Array | undefined;
}

/** The raw request body: bytes, or the exact text received. Never a parsed object. */
export type RawBody = Uint8Array | ArrayBuffer | string;

/** Options of `verify`. */
export interface VerifyOptions {
  /** Secret(s): the first signs `X-Servo-Signature` at the sender; any may match (rotation). */
  secrets?: string | readonly string[];
  /** `whpk_` ed25519 public key(s) for `v1a` signatures. */
  publicKeys?: string | readonly string[];
  /** Largest distance between `webhook-timestamp` and now, in seconds, either way. Default 300; must be positive. */
  toleranceSeconds?: number;
  /** `false` turns the timestamp check off (replays are then accepted): the only way to do so. */
  checkTimestamp?: boolean;
  /** Accept a request that carries only `X-Servo-Signature` (no timestamp, so no replay protection), as the original servo-webhooks sent. Default false. */
  legacy?: boolean;
  /** The clock, in milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
}

/** What `verify` found. */
export interface Verified {
  /** `webhook-id` (also the body's `id`): the idempotency key. */
  id: string | undefined;
  /** `webhook-timestamp` in Unix seconds. */
  timestamp: number | undefined;
  /** Each signature scheme present, and how it fared. */
  schemes: SchemeResult[];
}

/** Default `toleranceSeconds`. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

const utf8 = new TextEncoder();
const DECIMAL = /^[0-9]{1,15}$/;
const HEX40 = /^[0-9a-fA-F]{40}$/;

function bodyBytes(body: RawBody): Uint8Array {
  if (body instanceof Uint8Array) return body;
  if (typeof body === 'string') return utf8.encode(body);
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new ReceiverError(
    'body_consumed',
    'rawBody must be the raw request bytes (Uint8Array, ArrayBuffer) or text; got a parsed value: a body parser re-serialised JSON will not verify. ' +
      'Read the body raw (readNodeRequest, request.arrayBuffer(), express.raw())',
  );
}

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function tolerance(opts: VerifyOptions): number | undefined {
  if (opts.checkTimestamp === false) return undefined;
  const t = opts.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0) {
    throw new ReceiverError('invalid_option', 'toleranceSeconds must be a positive number of seconds; to turn the check off pass checkTimestamp: false');
  }
  return t;
}

async function checkServo(backend: CryptoBackend, header: string, secrets: readonly ParsedSecret[], body: Uint8Array): Promise<SchemeResult> {
  const scheme = 'x-servo-signature';
  if (secrets.length === 0) return { scheme, ok: undefined, reason: 'it needs a secret and none was given' };
  const value = header.trim();
  if (!HEX40.test(value)) return { scheme, ok: false, code: 'malformed_header', reason: 'not 40 hex digits (an HMAC-SHA1)' };
  const given = hexBytes(value);
  for (let i = 0; i < secrets.length; i++) {
    if (backend.equal(await backend.servoDigest(secrets[i]!, body), given))
      return { scheme, ok: true, version: 'hmac-sha1', keyIndex: i, reason: `matches secret ${i + 1}` };
  }
  return {
    scheme,
    ok: false,
    code: 'no_match',
    reason: `does not match the HMAC-SHA1 of the body with ${count(secrets.length, 'secret')} (wrong secret, or the body changed after signing)`,
  };
}

interface StandardInput {
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
}

async function checkStandard(
  backend: CryptoBackend,
  h: StandardInput,
  secrets: readonly ParsedSecret[],
  keys: readonly ParsedPublicKey[],
  body: Uint8Array,
  toleranceSeconds: number | undefined,
  nowMs: number,
): Promise<SchemeResult> {
  const scheme = 'webhook-signature';
  const missing = (['id', 'timestamp', 'signature'] as const).filter((k) => !h[k]).map((k) => `webhook-${k}`);
  if (missing.length > 0) return { scheme, ok: false, code: 'missing_headers', reason: `missing header ${missing.join(', ')}` };
  const { id, timestamp, signature } = h as Required<{ [K in keyof StandardInput]: string }>;
  if (!DECIMAL.test(timestamp)) return { scheme, ok: false, code: 'malformed_header', reason: 'webhook-timestamp is not an integer of Unix seconds' };
  if (toleranceSeconds !== undefined) {
    const skew = Math.floor(nowMs / 1000) - Number(timestamp);
    if (skew > toleranceSeconds)
      return {
        scheme,
        ok: false,
        code: 'timestamp_too_old',
        reason: `timestamp is ${skew} s old, outside the ${toleranceSeconds} s tolerance (a replay, or a clock off)`,
      };
    if (-skew > toleranceSeconds)
      return {
        scheme,
        ok: false,
        code: 'timestamp_too_new',
        reason: `timestamp is ${-skew} s in the future, outside the ${toleranceSeconds} s tolerance (a clock off)`,
      };
  }
  const v1: Uint8Array[] = [];
  const v1a: Uint8Array[] = [];
  for (const entry of signature.split(' ')) {
    const comma = entry.indexOf(',');
    if (comma < 0) continue;
    const version = entry.slice(0, comma);
    if (version !== 'v1' && version !== 'v1a') continue;
    const bytes = backend.base64(entry.slice(comma + 1));
    if (bytes !== undefined) (version === 'v1' ? v1 : v1a).push(bytes);
  }
  if (v1.length + v1a.length === 0) return { scheme, ok: false, code: 'malformed_header', reason: 'webhook-signature has no v1 or v1a entry' };
  const prefix = utf8.encode(`${id}.${timestamp}.`);
  if (v1.length > 0) {
    for (let i = 0; i < secrets.length; i++) {
      const expected = await backend.standardDigest(secrets[i]!, prefix, body);
      for (const sig of v1)
        if (sig.length === expected.length && backend.equal(expected, sig))
          return { scheme, ok: true, version: 'v1', keyIndex: i, reason: `v1 matches secret ${i + 1}` };
    }
  }
  if (v1a.length > 0) {
    for (let i = 0; i < keys.length; i++) {
      for (const sig of v1a) {
        if (sig.length === 64 && (await backend.verifyEd25519(keys[i]!, prefix, body, sig)))
          return { scheme, ok: true, version: 'v1a', keyIndex: i, reason: `v1a verifies with public key ${i + 1}` };
      }
    }
  }
  const tried: string[] = [];
  if (v1.length > 0)
    tried.push(
      secrets.length > 0
        ? `${count(v1.length, 'v1 signature')} against ${count(secrets.length, 'secret')}`
        : `${count(v1.length, 'v1 signature')} (no secret given)`,
    );
  if (v1a.length > 0)
    tried.push(
      keys.length > 0
        ? `${count(v1a.length, 'v1a signature')} against ${count(keys.length, 'public key')}`
        : `${count(v1a.length, 'v1a signature')} (no public key given)`,
    );
  return {
    scheme,
    ok: false,
    code: 'no_match',
    reason: `no signature matches: ${tried.join('; ')} (wrong key, or the body, id or timestamp changed after signing)`,
  };
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

/**
 * Verifies a request's signatures over its raw body. Every scheme present that
 * the given keys can check must verify; at least one must. Resolves with what
 * was verified, or rejects with a {@link ReceiverError} (its `schemes` say why
 * each failed).
 */
export async function verifyWith(backend: CryptoBackend, rawBody: RawBody, headers: HeadersInput, opts: VerifyOptions): Promise<Verified> {
  if (opts === null || typeof opts !== 'object') throw new ReceiverError('invalid_option', 'verify needs options: { secrets, publicKeys }');
  const body = bodyBytes(rawBody);
  const secrets = listOf(opts.secrets).map(parseSecret);
  const keys = listOf(opts.publicKeys).map(parsePublicKey);
  if (secrets.length + keys.length === 0) throw new ReceiverError('invalid_key', 'verify needs at least one secret (secrets) or public key (publicKeys)');
  const toleranceSeconds = tolerance(opts);
  const h = readSignatureHeaders(headers);
  const schemes: SchemeResult[] = [];
  const standardPresent = h.signature !== undefined || h.id !== undefined || h.timestamp !== undefined;
  if (standardPresent) schemes.push(await checkStandard(backend, h, secrets, keys, body, toleranceSeconds, (opts.now ?? Date.now)()));
  if (h.servoSignature !== undefined) schemes.push(await checkServo(backend, h.servoSignature, secrets, body));
  const timestamp = h.timestamp !== undefined && DECIMAL.test(h.timestamp) ? Number(h.timestamp) : undefined;
  const result: Verified = { id: h.id, timestamp, schemes };
  const failed = schemes.find((s) => s.ok === false);
  if (failed) throw new ReceiverError(failed.code ?? 'no_match', `${failed.scheme}: ${failed.reason}`, schemes);
  if (!schemes.some((s) => s.ok === true)) {
    if (schemes.length === 0) throw new ReceiverError('missing_headers', 'no signature header (webhook-signature or x-servo-signature)', schemes);
    throw new ReceiverError('no_match', `${schemes[0]!.scheme}: ${schemes[0]!.reason}`, schemes);
  }
  if (!standardPresent && opts.legacy !== true) {
    throw new ReceiverError(
      'missing_headers',
      'only x-servo-signature is present: without webhook-timestamp a replay cannot be told apart; pass legacy: true to accept such requests (the original servo-webhooks)',
      schemes,
    );
  }
  return result;
}
