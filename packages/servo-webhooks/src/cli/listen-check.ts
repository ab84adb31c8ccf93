/**
 * What `servo webhooks listen` says about a delivery's signatures: for each
 * scheme, verified or not and exactly why not (missing header, malformed
 * value, timestamp outside the tolerance, no match). Built on signing.ts's
 * signers so it checks what the connector sends; the booleans of its verify
 * functions cannot say why a check failed, which is the point of this tool.
 * @module
 */
import { timingSafeEqual } from 'node:crypto';
import { DEFAULT_TOLERANCE_SECONDS, servoSignature, standardSignature } from '../signing.js';

/** The result of one signature scheme. */
export interface SchemeCheck {
  /** `x-servo-signature` or `webhook-signature`. */
  readonly scheme: 'x-servo-signature' | 'webhook-signature';
  /** `true` verified, `false` did not, `null` not checked (no secret given). */
  readonly ok: boolean | null;
  /** Why it did not verify (or why it was not checked); absent when it verified. */
  readonly reason?: string;
}

/** Request headers as node:http gives them (lowercase names). */
type Headers = Readonly<Record<string, string | string[] | undefined>>;

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v.join(', ') : v);
const HEX40 = /^[0-9a-f]{40}$/i;
const DECIMAL = /^[0-9]{1,15}$/;

/**
 * Checks both schemes of a delivery against `secret` (undefined: none given).
 * A mismatch of one scheme while the other verifies means the body is intact,
 * so the reason says the key differs; when both mismatch the reason names
 * both causes (a changed body, another secret), which HMAC cannot tell apart.
 */
export function checkSignatures(body: Uint8Array, headers: Headers, secret: string | undefined, nowSeconds = Math.floor(Date.now() / 1000)): SchemeCheck[] {
  if (secret === undefined) {
    const reason = 'not checked: give --secret or --webhook NAME';
    return [
      { scheme: 'x-servo-signature', ok: null, reason },
      { scheme: 'webhook-signature', ok: null, reason },
    ];
  }
  const servo = checkServo(body, one(headers['x-servo-signature']), secret);
  const standard = checkStandard(body, headers, secret, nowSeconds);
  const explain = (c: Outcome, other: Outcome, scheme: SchemeCheck['scheme']): SchemeCheck => {
    if (c.kind === 'ok') return { scheme, ok: true };
    if (c.kind !== 'mismatch') return { scheme, ok: false, reason: c.reason };
    if (other.kind === 'ok' || (other.kind === 'stale' && other.bodyIntact)) {
      const key = scheme === 'webhook-signature' ? 'the Standard Webhooks key (for a whsec_ secret, its base64-decoded bytes)' : 'the secret';
      return { scheme, ok: false, reason: `wrong key: the other scheme verifies the body, but this signature was made with another ${key}` };
    }
    return { scheme, ok: false, reason: 'no match: the body was changed after signing (tampered, or re-serialised) or it was signed with another secret' };
  };
  return [explain(servo, standard, 'x-servo-signature'), explain(standard, servo, 'webhook-signature')];
}

type Outcome = { kind: 'ok' } | { kind: 'mismatch' } | { kind: 'bad'; reason: string } | { kind: 'stale'; reason: string; bodyIntact: boolean };

function checkServo(body: Uint8Array, header: string | undefined, secret: string): Outcome {
  if (header === undefined) return { kind: 'bad', reason: 'missing header x-servo-signature' };
  const value = header.trim();
  if (!HEX40.test(value)) return { kind: 'bad', reason: 'malformed x-servo-signature: expected 40 hex digits (HMAC-SHA1)' };
  return same(servoSignature(secret, body), value.toLowerCase()) ? { kind: 'ok' } : { kind: 'mismatch' };
}

function checkStandard(body: Uint8Array, headers: Headers, secret: string, now: number): Outcome {
  const id = one(headers['webhook-id']);
  const timestamp = one(headers['webhook-timestamp']);
  const signature = one(headers['webhook-signature']);
  const missing = [
    ['webhook-id', id],
    ['webhook-timestamp', timestamp],
    ['webhook-signature', signature],
  ].filter(([, v]) => v === undefined || v === '');
  if (missing.length) return { kind: 'bad', reason: `missing header${missing.length > 1 ? 's' : ''} ${missing.map(([n]) => n).join(', ')}` };
  if (!DECIMAL.test(timestamp!)) return { kind: 'bad', reason: 'malformed webhook-timestamp: expected decimal Unix seconds' };
  const entries = signature!
    .split(' ')
    .filter((e) => e.startsWith('v1,'))
    .map((e) => e.slice(3));
  if (entries.length === 0) return { kind: 'bad', reason: 'webhook-signature has no v1,<base64> entry' };
  const expected = standardSignature(secret, id!, Number(timestamp), body).slice(3);
  const matched = entries.some((e) => same(expected, e));
  const skew = now - Number(timestamp);
  if (Math.abs(skew) > DEFAULT_TOLERANCE_SECONDS) {
    const when = skew > 0 ? `${skew} s old` : `${-skew} s in the future`;
    return {
      kind: 'stale',
      bodyIntact: matched,
      reason: `timestamp outside ${DEFAULT_TOLERANCE_SECONDS / 60} minutes: webhook-timestamp is ${when} (a replay, or a clock out of sync)${matched ? '; the signature itself matches' : ''}`,
    };
  }
  return matched ? { kind: 'ok' } : { kind: 'mismatch' };
}

function same(expected: string, actual: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(actual, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
