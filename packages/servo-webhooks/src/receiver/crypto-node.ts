/**
 * node:crypto primitives of the receiver toolkit (the `node` export
 * condition): HMAC and ed25519 keys imported once per secret or key and kept
 * on the parsed key. Synchronous underneath, so a verification costs one
 * HMAC and no thread-pool hop.
 * @module
 */
import { createHmac, createPublicKey, createSecretKey, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import type { CryptoBackend } from './core.js';
import type { ParsedPublicKey, ParsedSecret } from './keys.js';

interface NodeKeys {
  servo: KeyObject;
  standard: KeyObject;
}

// Keyed by the parsed key (cached by keys.ts per string): each build keeps its own imported keys.
const secretKeys = new WeakMap<ParsedSecret, NodeKeys>();
const publicKeys = new WeakMap<ParsedPublicKey, KeyObject>();

function keysOf(secret: ParsedSecret): NodeKeys {
  let keys = secretKeys.get(secret);
  if (keys === undefined) {
    keys = { servo: createSecretKey(secret.servoKey), standard: createSecretKey(secret.standardKey) };
    secretKeys.set(secret, keys);
  }
  return keys;
}

function publicKeyOf(key: ParsedPublicKey): KeyObject {
  let native = publicKeys.get(key);
  if (native === undefined) {
    native = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(key.raw).toString('base64url') }, format: 'jwk' });
    publicKeys.set(key, native);
  }
  return native;
}

/** The node:crypto backend. */
export const nodeBackend: CryptoBackend = {
  servoDigest: (secret, body) => createHmac('sha1', keysOf(secret).servo).update(body).digest(),
  standardDigest: (secret, prefix, body) => createHmac('sha256', keysOf(secret).standard).update(prefix).update(body).digest(),
  verifyEd25519: (key, prefix, body, signature) => verify(null, Buffer.concat([prefix, body]), publicKeyOf(key), signature),
  equal: (a, b) => a.length === b.length && timingSafeEqual(a, b),
  base64: (text) => {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
    return Buffer.from(text, 'base64');
  },
};
