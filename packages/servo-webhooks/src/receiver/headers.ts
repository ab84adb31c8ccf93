/**
 * Header lookup for the receiver toolkit: a Fetch `Headers` (or anything with
 * `get`), or a plain object with names in any case (node:http's
 * `req.headers`, a framework's header map). A signature header given twice is
 * refused.
 * @module
 */
import { ReceiverError } from './errors.js';

/** Headers as a receiver has them: a Fetch `Headers`, or a plain object of name -> value(s). */
export type HeadersInput = { get(name: string): string | null } | Readonly<Record<string, string | readonly string[] | undefined>>;

/** The headers the toolkit reads, by meaning. */
export interface SignatureHeaders {
  servoSignature: string | undefined;
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
}

function plainLookup(headers: Readonly<Record<string, unknown>>, name: string): unknown {
  const direct = headers[name];
  if (direct !== undefined) return direct;
  for (const key of Object.keys(headers)) if (key.length === name.length && key.toLowerCase() === name) return headers[key];
  return undefined;
}

function single(name: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) {
    if (value.length === 1 && typeof value[0] === 'string') return value[0];
    if (value.length === 0) return undefined;
    throw new ReceiverError('duplicate_header', `header ${name} appears ${value.length} times; a request carries it once`);
  }
  if (typeof value !== 'string') throw new ReceiverError('malformed_header', `header ${name} is not a string`);
  return value;
}

/** Reads the signature headers from either shape of headers. */
export function readSignatureHeaders(headers: HeadersInput): SignatureHeaders {
  if (headers === null || typeof headers !== 'object') throw new ReceiverError('invalid_option', 'headers must be a Fetch Headers or a plain object');
  const get =
    typeof (headers as { get?: unknown }).get === 'function'
      ? (name: string) => single(name, (headers as { get(n: string): string | null }).get(name))
      : (name: string) => single(name, plainLookup(headers as Record<string, unknown>, name));
  return {
    servoSignature: get('x-servo-signature'),
    id: get('webhook-id'),
    timestamp: get('webhook-timestamp'),
    signature: get('webhook-signature'),
  };
}
