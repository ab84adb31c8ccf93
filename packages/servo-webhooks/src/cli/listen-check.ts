/**
 * What `servo webhooks listen` says about a delivery's signatures: both
 * schemes, always, each verified or exactly why not. The checking is the
 * receiver toolkit's `verify` (what a receiver written with it would decide);
 * this module adds what a development view needs on top: a scheme that is
 * absent is reported as a missing header, and when one scheme verifies the
 * body is intact, so the other one's mismatch is a wrong key.
 * @module
 */
import { isReceiverError, verify, type SchemeResult } from '../receiver/index.node.js';

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

const SCHEMES = ['x-servo-signature', 'webhook-signature'] as const;

/** What a delivery is checked with: secrets (HMAC) and `whpk_` public keys (v1a); any may match. */
export interface VerifyKeys {
  readonly secrets: readonly string[];
  readonly publicKeys: readonly string[];
}

/** Checks both schemes of a delivery against `keys` (undefined: none given). */
export async function checkSignatures(body: Uint8Array, headers: Headers, keys: VerifyKeys | undefined): Promise<SchemeCheck[]> {
  if (keys === undefined || keys.secrets.length + keys.publicKeys.length === 0) {
    const reason = 'not checked: give --secret or --webhook NAME';
    return SCHEMES.map((scheme) => ({ scheme, ok: null, reason }));
  }
  const present: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) present[k] = v;
  let results: readonly SchemeResult[];
  try {
    results = (await verify(body, present, { secrets: keys.secrets, publicKeys: keys.publicKeys, legacy: true })).schemes;
  } catch (err) {
    if (!isReceiverError(err)) throw err;
    if (err.code === 'invalid_key') return SCHEMES.map((scheme) => ({ scheme, ok: null, reason: `not checked: ${err.message}` }));
    results = err.schemes;
  }
  const intact = results.some((r) => r.ok === true);
  return SCHEMES.map((scheme): SchemeCheck => {
    const r = results.find((x) => x.scheme === scheme);
    if (r === undefined) return { scheme, ok: false, reason: `missing header ${scheme}` };
    if (r.ok === true) return { scheme, ok: true };
    if (r.ok === undefined) return { scheme, ok: null, reason: `not checked: ${r.reason}` };
    if (r.code === 'no_match' && intact) {
      const key = scheme === 'webhook-signature' ? 'the Standard Webhooks key (for a whsec_ secret, its base64-decoded bytes)' : 'the secret';
      return { scheme, ok: false, reason: `wrong key: the other scheme verifies the body, but this signature was made with another ${key}` };
    }
    return { scheme, ok: false, reason: r.reason };
  });
}
