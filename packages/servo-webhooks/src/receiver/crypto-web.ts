/**
 * WebCrypto primitives of the receiver toolkit (the default build, for any
 * Fetch-API runtime: Deno, Bun, Workers, browsers, Node). Keys are imported
 * once per secret or key (the import promise is kept on the parsed key).
 * Nothing here comes from `node:*`.
 * @module
 */
import type { CryptoBackend } from './core.js';
import { fromBase64, type ParsedPublicKey, type ParsedSecret } from './keys.js';

interface WebKeys {
  servo: CryptoKey | Promise<CryptoKey>;
  standard: CryptoKey | Promise<CryptoKey>;
}

const subtle = (): SubtleCrypto => globalThis.crypto.subtle;
const hmac = (raw: Uint8Array, hash: string) => subtle().importKey('raw', raw as BufferSource, { name: 'HMAC', hash }, false, ['sign']);

// Keyed by the parsed key (cached by keys.ts per string): each build keeps its own imported keys.
// Once imported, the CryptoKey itself replaces the promise (no extra await per request).
const secretKeys = new WeakMap<ParsedSecret, WebKeys>();
const publicKeys = new WeakMap<ParsedPublicKey, Promise<CryptoKey>>();

function keysOf(secret: ParsedSecret): WebKeys {
  let keys = secretKeys.get(secret);
  if (keys === undefined) {
    const created: WebKeys = { servo: hmac(secret.servoKey, 'SHA-1'), standard: hmac(secret.standardKey, 'SHA-256') };
    void (created.servo as Promise<CryptoKey>).then(
      (k) => (created.servo = k),
      () => undefined,
    );
    void (created.standard as Promise<CryptoKey>).then(
      (k) => (created.standard = k),
      () => undefined,
    );
    keys = created;
    secretKeys.set(secret, keys);
  }
  return keys;
}

function publicKeyOf(key: ParsedPublicKey): Promise<CryptoKey> {
  let native = publicKeys.get(key);
  if (native === undefined) {
    native = subtle().importKey('raw', key.raw as BufferSource, { name: 'Ed25519' }, false, ['verify']);
    publicKeys.set(key, native);
  }
  return native;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** The WebCrypto backend. */
export const webBackend: CryptoBackend = {
  servoDigest: async (secret, body) => new Uint8Array(await subtle().sign('HMAC', await keysOf(secret).servo, body as BufferSource)),
  standardDigest: async (secret, prefix, body) =>
    new Uint8Array(await subtle().sign('HMAC', await keysOf(secret).standard, concat(prefix, body) as BufferSource)),
  verifyEd25519: async (key, prefix, body, signature) =>
    subtle().verify('Ed25519', await publicKeyOf(key), signature as BufferSource, concat(prefix, body) as BufferSource),
  equal: (a, b) => {
    if (a.length !== b.length) return false;
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
    return diff === 0;
  },
  base64: fromBase64,
};
