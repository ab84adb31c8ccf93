/**
 * Media types of webhook request bodies and of the responses that cancel an event.
 * @module
 */
import { mediaTypeEssences } from '../gate/media-type.js';

/**
 * Version of the request body layout and of its JSON Schema. It appears in the
 * body (`schema_version`) and in the `Content-Type` (`version=` parameter).
 * Bumped only for incompatible changes; adding an optional field is not one.
 */
export const SCHEMA_VERSION = 1;

/**
 * Media type of every webhook request body, without parameters: a vendor JSON
 * type (`+json` suffix, so generic JSON tooling still recognises it). Receivers
 * should match on this and read the version from the parameter or the body.
 */
export const EVENT_MEDIA_TYPE = 'application/vnd.opsani.servo.webhooks.event+json';

/**
 * `Content-Type` header of every webhook request:
 * `application/vnd.opsani.servo.webhooks.event+json; version=1`.
 * The body is always UTF-8 JSON (RFC 8259), so no `charset` is sent.
 */
export const EVENT_CONTENT_TYPE = `${EVENT_MEDIA_TYPE}; version=${SCHEMA_VERSION}`;

/**
 * How a webhook's bodies are written: `standard` (compact UTF-8 JSON,
 * {@link EVENT_CONTENT_TYPE}) or `legacy`, as servo-webhooks 0.3 (Python)
 * sent them ({@link LEGACY_CONTENT_TYPE}, Python `json.dumps` layout).
 */
export type Wire = 'standard' | 'legacy';

/** `Content-Type` of the legacy wire: the one servo-webhooks 0.3 sent. */
export const LEGACY_CONTENT_TYPE = 'application/vnd.opsani.servo-webhooks+json';

/** The `Content-Type` of bodies written for `wire`. */
export function contentTypeOf(wire: Wire | undefined): string {
  return wire === 'legacy' ? LEGACY_CONTENT_TYPE : EVENT_CONTENT_TYPE;
}

/**
 * Response media types by which a `before` webhook cancels the event. The
 * first is the original servo-webhooks name; the second matches this servo's
 * `EventCancelledError`. Either carries a JSON object with a `reason` string.
 */
export const CANCEL_CONTENT_TYPES: readonly string[] = Object.freeze([
  'application/vnd.opsani.servo.errors.CancelEventError+json',
  'application/vnd.opsani.servo.errors.EventCancelledError+json',
]);

const CANCEL_LOWER = new Set(CANCEL_CONTENT_TYPES.map((t) => t.toLowerCase()));

/**
 * True when a response `Content-Type` header names one of
 * {@link CANCEL_CONTENT_TYPES}. Case-insensitive; parameters (`; charset=utf-8`)
 * and surrounding whitespace are ignored. A repeated header (joined with `, `
 * or given as an array) is read value by value: any cancel type among them is
 * a cancel. A missing header is false.
 */
export function isCancelContentType(headerValue: string | readonly string[] | null | undefined): boolean {
  for (const essence of mediaTypeEssences(headerValue)) if (CANCEL_LOWER.has(essence)) return true;
  return false;
}
