/**
 * Secrets and public keys as the receiver toolkit takes them, parsed without
 * any platform module (atob/TextEncoder only), so the Fetch build stays free of
 * `node:*`. Parsed once per distinct string and cached (bounded).
 *
 * - a secret `whsec_<base64>`: Standard Webhooks key = the decoded bytes;
 *   any other secret: its UTF-8 bytes. `X-Servo-Signature` is always keyed with
 *   the whole secret's UTF-8 bytes (as the original servo-webhooks).
 * - a public key `whpk_<base64 of 32 bytes>`: ed25519, for `v1a` signatures.
 * @module
 */
import { ReceiverError } from './errors.js';

/** A secret, parsed (each crypto build keeps its imported keys in a WeakMap keyed by this object). */
export interface ParsedSecret {
  readonly servoKey: Uint8Array;
  readonly standardKey: Uint8Array;
}

/** An ed25519 public key, parsed. */
export interface ParsedPublicKey {
  readonly raw: Uint8Array;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;
const utf8 = new TextEncoder();
const MAX_CACHED = 256;
const secretCache = new Map<string, ParsedSecret>();
const publicKeyCache = new Map<string, ParsedPublicKey>();

/** Decodes standard base64 (padding optional); undefined when it is not base64. */
export function fromBase64(text: string): Uint8Array | undefined {
  if (!BASE64.test(text)) return undefined;
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** Encodes bytes as standard base64 with padding. */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]!);
  return btoa(binary);
}

function remember<T>(cache: Map<string, T>, key: string, value: T): T {
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(key, value);
  return value;
}

/** Parses one secret; `index` only names it in errors. */
export function parseSecret(secret: unknown, index: number): ParsedSecret {
  if (typeof secret === 'string') {
    const cached = secretCache.get(secret);
    if (cached !== undefined) return cached;
  }
  const which = `secrets[${index}]`;
  if (typeof secret !== 'string' || secret.length === 0) throw new ReceiverError('invalid_key', `${which} must be a non-empty string`);
  if (secret.trim() !== secret) throw new ReceiverError('invalid_key', `${which} has leading or trailing whitespace (a copy-paste slip?); remove it`);
  if (/^v1a?,/.test(secret)) {
    throw new ReceiverError('invalid_key', `${which} starts with "v1,": that is a signature, not a secret; pass the webhook's secret (e.g. whsec_...)`);
  }
  if (secret.startsWith('whpk_') || secret.startsWith('whsk_')) {
    throw new ReceiverError('invalid_key', `${which} is an ed25519 key; pass whpk_ public keys in publicKeys, never a whsk_ signing key`);
  }
  const servoKey = utf8.encode(secret);
  let standardKey: Uint8Array = servoKey;
  if (secret.startsWith('whsec_')) {
    const decoded = fromBase64(secret.slice(6));
    if (decoded === undefined || decoded.length === 0) {
      throw new ReceiverError('invalid_key', `${which} starts with "whsec_" but the rest is not base64 (standard alphabet)`);
    }
    standardKey = decoded as Uint8Array<ArrayBuffer>;
  }
  return remember(secretCache, secret, { servoKey, standardKey });
}

/** Parses one `whpk_` public key; `index` only names it in errors. */
export function parsePublicKey(key: unknown, index: number): ParsedPublicKey {
  if (typeof key === 'string') {
    const cached = publicKeyCache.get(key);
    if (cached !== undefined) return cached;
  }
  const which = `publicKeys[${index}]`;
  if (typeof key !== 'string' || !key.startsWith('whpk_')) {
    const hint =
      typeof key === 'string' && key.startsWith('whsk_') ? ': that is the signing key; give its whpk_ public key (servo webhooks keygen prints both)' : '';
    throw new ReceiverError('invalid_key', `${which} must be a "whpk_" ed25519 public key${hint}`);
  }
  const raw = fromBase64(key.slice(5));
  if (raw === undefined || raw.length !== 32) {
    throw new ReceiverError('invalid_key', `${which} must be "whpk_" followed by base64 of the 32-byte ed25519 public key`);
  }
  return remember(publicKeyCache, key, { raw });
}

/** One string or a list, as options take them. */
export function listOf(value: string | readonly string[] | undefined): readonly string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}
