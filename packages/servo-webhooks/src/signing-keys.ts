/**
 * ed25519 keys for Standard Webhooks `v1a` signatures, encoded as the
 * specification's authors' server (Svix) does: `whsk_` = base64 of 64 bytes,
 * the 32-byte seed then the 32-byte public key (a bare 32-byte seed is
 * accepted too); `whpk_` = base64 of the raw 32-byte public key.
 * @module
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { WebhookSecretError } from './signing-error.js';

// PKCS#8 DER header of an ed25519 private key; the 32-byte seed follows.
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;

/** A parsed `whsk_` signing key. */
export interface SigningKey {
  readonly privateKey: KeyObject;
  /** The matching `whpk_` public key. */
  readonly publicKey: string;
}

const cache = new Map<string, SigningKey>();

/** The raw 32-byte public key of an ed25519 private (or public) key. */
function rawPublicKey(key: KeyObject): Buffer {
  const jwk = (key.type === 'private' ? createPublicKey(key) : key).export({ format: 'jwk' });
  return Buffer.from(jwk.x as string, 'base64url');
}

/**
 * Parses a `whsk_` signing key (cached).
 * @throws WebhookSecretError when it is not `whsk_` + base64 of 64 (seed and public key, matching) or 32 bytes (seed).
 */
export function signingKeyOf(text: string): SigningKey {
  const cached = cache.get(text);
  if (cached !== undefined) return cached;
  const encoded = typeof text === 'string' && text.startsWith('whsk_') ? text.slice(5) : undefined;
  const bytes = encoded !== undefined && BASE64.test(encoded) ? Buffer.from(encoded, 'base64') : undefined;
  if (bytes === undefined || (bytes.length !== 64 && bytes.length !== 32)) {
    throw new WebhookSecretError(
      'signing_key must be "whsk_" followed by base64 of a 64-byte ed25519 key (seed, then public key) or a 32-byte seed; servo webhooks keygen makes one',
    );
  }
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, bytes.subarray(0, 32)]), format: 'der', type: 'pkcs8' });
  const pub = rawPublicKey(privateKey);
  if (bytes.length === 64 && !pub.equals(bytes.subarray(32))) {
    throw new WebhookSecretError('signing_key: its last 32 bytes are not the public key of its seed (a damaged or spliced key)');
  }
  const key: SigningKey = { privateKey, publicKey: `whpk_${pub.toString('base64')}` };
  if (cache.size >= 256) cache.clear();
  cache.set(text, key);
  return key;
}

/** The `whpk_` public key of a `whsk_` signing key (for receivers). */
export function publicKeyOf(signingKey: string): string {
  return signingKeyOf(signingKey).publicKey;
}

/** A fresh ed25519 pair: `signingKey` (`whsk_`, 64 bytes) for servo.yaml, `publicKey` (`whpk_`) for receivers. */
export function generateSigningKey(): { signingKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d as string, 'base64url');
  const pub = rawPublicKey(publicKey);
  return { signingKey: `whsk_${Buffer.concat([seed, pub]).toString('base64')}`, publicKey: `whpk_${pub.toString('base64')}` };
}
