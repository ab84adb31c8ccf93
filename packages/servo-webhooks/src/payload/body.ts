/**
 * Webhook request bodies: UTF-8 JSON bytes, built once per message and then
 * signed and sent unchanged on every attempt.
 *
 * Layout (fields always in this order):
 * ```json
 * {
 *   "id": "msg_…",                      // message id, also the webhook-id header
 *   "event": "after:measure",           // "<before|after>:<event name>"
 *   "created_at": "2024-05-01T12:00:00.000Z",
 *   "servo": { "name": "my-servo" },
 *   "webhook": { "name": "my_measure_handler" },
 *   "schema_version": 1,
 *   "params": { … },                    // the event's validated parameters
 *   "results": [                        // after:* one per connector, in dispatch order; null before:*
 *     { "connector": "prometheus", "value": { … } },
 *     { "connector": "other", "error": { "type": "TypeError", "message": "…", "code": "…" } }
 *   ]
 * }
 * ```
 * Values JSON cannot express are reduced as documented in `serialize.ts`; the
 * JSON Schema of a body comes from `bodySchema` (schema.ts).
 * @module
 */
import { SCHEMA_VERSION } from './content-type.js';
import { errorObject, serializeJson } from './serialize.js';

/** One connector's answer to the event, as dispatch reports it. */
export interface BodyResult {
  /** Name of the connector instance that answered. */
  readonly connector: string;
  /** What it returned. Omitted from the body when it serialises to nothing (`undefined`, a function). */
  readonly value?: unknown;
  /** The error it threw instead; when set, `value` is ignored. */
  readonly error?: unknown;
}

/** Everything a request body is built from. */
export interface BodyInput {
  /** Message id (the `webhook-id` header); the same for every retry. */
  readonly id: string;
  /** `<preposition>:<event name>`, e.g. `before:measure`, `after:measure`. */
  readonly event: string;
  /** When the message was created (not the attempt time). */
  readonly createdAt: Date;
  /** Name of the servo that emitted it. */
  readonly servo: string;
  /** Name of the webhook it is delivered to. */
  readonly webhook: string;
  /** The event's validated parameters. `undefined` is sent as `{}`. */
  readonly params: unknown;
  /** Results of the `on` handlers; pass for `after:*` events only. Absent = `"results": null`. */
  readonly results?: readonly BodyResult[] | undefined;
}

/**
 * Builds the UTF-8 JSON request body. Never throws on unserialisable params or
 * results (they are reduced, see `serialize.ts`); deterministic, so the bytes
 * returned are exactly what is signed and sent.
 * @throws RangeError when `createdAt` is an invalid date.
 */
export function buildBody(input: BodyInput): Uint8Array<ArrayBuffer> {
  return Buffer.from(buildBodyJson(input), 'utf8');
}

/** The body as a JSON string (what {@link buildBody} encodes). */
export function buildBodyJson(input: BodyInput): string {
  return (
    '{"id":' + JSON.stringify(String(input.id)) + eventPart(input) + JSON.stringify(String(input.webhook)) + HEAD_END + bodyTail(input.params, input.results)
  );
}

/**
 * Bodies of one event for several webhooks: everything but `id` and the
 * webhook's name (params and results above all) is serialised once and
 * shared. Each body's bytes equal {@link buildBody}'s for the same input.
 * @throws RangeError when `createdAt` is an invalid date.
 */
export class EventBodies {
  private readonly middle: string;
  private readonly tail: string;

  constructor(event: Omit<BodyInput, 'id' | 'webhook'>) {
    this.middle = eventPart(event);
    this.tail = HEAD_END + bodyTail(event.params, event.results);
  }

  /** The body for message `id` to `webhook`. */
  build(id: string, webhook: string): Uint8Array<ArrayBuffer> {
    return Buffer.from('{"id":' + JSON.stringify(String(id)) + this.middle + JSON.stringify(String(webhook)) + this.tail, 'utf8');
  }
}

const HEAD_END = '},"schema_version":' + SCHEMA_VERSION;

/** From `event` to the opening of the webhook's name: the same for every webhook of one event. */
function eventPart(input: Pick<BodyInput, 'event' | 'createdAt' | 'servo'>): string {
  if (!Number.isFinite(input.createdAt.getTime())) throw new RangeError('webhook body createdAt is an invalid Date');
  return (
    ',"event":' +
    JSON.stringify(String(input.event)) +
    ',"created_at":"' +
    input.createdAt.toISOString() +
    '","servo":{"name":' +
    JSON.stringify(String(input.servo)) +
    '},"webhook":{"name":'
  );
}

/** `params`, `results` and the closing brace: the same for every webhook of one event. */
function bodyTail(params: unknown, results: readonly BodyResult[] | undefined): string {
  let json = ',"params":' + (serializeJson(params) ?? '{}');
  // Before an event there are no results yet: null, as servo-webhooks 0.3 sent (its receivers index the field).
  if (results === undefined) json += ',"results":null';
  else {
    json += ',"results":[';
    for (let i = 0; i < results.length; i++) {
      const r = results[i]!;
      json += (i === 0 ? '{"connector":' : ',{"connector":') + JSON.stringify(String(r.connector));
      if (r.error !== undefined) {
        json += ',"error":' + JSON.stringify(errorObject(r.error)) + '}';
      } else {
        const value = serializeJson(r.value);
        json += value === undefined ? '}' : ',"value":' + value + '}';
      }
    }
    json += ']';
  }
  return json + '}';
}
