/**
 * Webhook request bodies: UTF-8 JSON bytes, built once per message and then
 * signed and sent unchanged on every attempt.
 *
 * Layout (fields always in this order):
 * ```json
 * {
 *   "id": "msg_…",                      // message id, also the webhook-id header
 *   "event": "after:measure",           // "<before|after>:<event name>"
 *   "created_at": "2024-05-01T12:00:00.000000+00:00", // RFC 3339, microseconds, numeric offset
 *   "servo": { "name": "my-servo" },
 *   "webhook": { "name": "my_measure_handler" },
 *   "schema_version": 1,
 *   "params": { … },                    // the event's validated parameters
 *   "results": [                        // after:* one per connector, in dispatch order; null before:*, [] for ping
 *     { "connector": "prometheus", "value": { … } },
 *     { "connector": "other", "error": { "type": "TypeError", "message": "…", "code": "…" } }
 *   ]
 * }
 * ```
 * Values JSON cannot express are reduced as documented in `serialize.ts`; the
 * standard events' parameters and results are put in the form servox sent
 * them (`normalize.ts`: times, `null` for unset optional fields, data points
 * by time). The JSON Schema of a body comes from `bodySchema` (schema.ts).
 * `wire: legacy` writes the same data as Python's `json.dumps` (`python-json.ts`).
 * @module
 */
import { SCHEMA_VERSION, type Wire } from './content-type.js';
import { formatTime, normalizeParams, normalizeResult } from './normalize.js';
import { pythonJson, pythonString } from './python-json.js';
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
  /** Results of the `on` handlers; pass for `after:*` events only (`[]` for `ping`). Absent = `"results": null`. */
  readonly results?: readonly BodyResult[] | undefined;
  /** Layout of the bytes; `standard` when absent. */
  readonly wire?: Wire | undefined;
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
  return new EventBodies(input).json(input.id, input.webhook, input.wire);
}

/**
 * Bodies of one event for several webhooks: everything but `id` and the
 * webhook's name (params and results above all) is serialised once per wire
 * and shared. Each body's bytes equal {@link buildBody}'s for the same input.
 * @throws RangeError when `createdAt` is an invalid date.
 */
export class EventBodies {
  private readonly middle: string;
  private readonly tail: string;
  private legacy: { middle: string; tail: string } | undefined;

  constructor(private readonly event: Omit<BodyInput, 'id' | 'webhook' | 'wire'>) {
    if (!Number.isFinite(event.createdAt.getTime())) throw new RangeError('webhook body createdAt is an invalid Date');
    this.middle = eventPart(event);
    this.tail = HEAD_END + bodyTail(event.params, event.results, eventName(event.event));
  }

  /** The body for message `id` to `webhook`, laid out for `wire` (standard when absent). */
  build(id: string, webhook: string, wire?: Wire): Uint8Array<ArrayBuffer> {
    return Buffer.from(this.json(id, webhook, wire), 'utf8');
  }

  /** The body for message `id` to `webhook` as a string (what {@link EventBodies.build} encodes). */
  json(id: string, webhook: string, wire?: Wire): string {
    if (wire === 'legacy') {
      this.legacy ??= legacyParts(this.event);
      return '{"id": ' + pythonString(String(id)) + this.legacy.middle + pythonString(String(webhook)) + this.legacy.tail;
    }
    return '{"id":' + JSON.stringify(String(id)) + this.middle + JSON.stringify(String(webhook)) + this.tail;
  }
}

const HEAD_END = '},"schema_version":' + SCHEMA_VERSION;

/** `measure` of `after:measure`; `ping` of `ping`. */
function eventName(qualified: string): string {
  return String(qualified).slice(String(qualified).indexOf(':') + 1);
}

/** From `event` to the opening of the webhook's name: the same for every webhook of one event. */
function eventPart(input: Pick<BodyInput, 'event' | 'createdAt' | 'servo'>): string {
  return (
    ',"event":' +
    JSON.stringify(String(input.event)) +
    ',"created_at":"' +
    formatTime(input.createdAt) +
    '","servo":{"name":' +
    JSON.stringify(String(input.servo)) +
    '},"webhook":{"name":'
  );
}

/** `params`, `results` and the closing brace: the same for every webhook of one event. */
function bodyTail(params: unknown, results: readonly BodyResult[] | undefined, event: string): string {
  let json = ',"params":' + (serializeJson(normalizeParams(event, params)) ?? '{}');
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
        const value = serializeJson(normalizeResult(event, r.value));
        json += value === undefined ? '}' : ',"value":' + value + '}';
      }
    }
    json += ']';
  }
  return json + '}';
}

/** The legacy wire's counterparts of `eventPart` and `HEAD_END + bodyTail`. */
function legacyParts(input: Omit<BodyInput, 'id' | 'webhook' | 'wire'>): { middle: string; tail: string } {
  const event = eventName(input.event);
  const middle =
    ', "event": ' +
    pythonString(String(input.event)) +
    ', "created_at": ' +
    pythonString(formatTime(input.createdAt)) +
    ', "servo": {"name": ' +
    pythonString(String(input.servo)) +
    '}, "webhook": {"name": ';
  const results =
    input.results === undefined
      ? null
      : input.results.map((r) =>
          r.error !== undefined
            ? { connector: String(r.connector), error: errorObject(r.error) }
            : { connector: String(r.connector), value: normalizeResult(event, r.value, { floats: true }) },
        );
  const tail =
    '}, "schema_version": ' +
    SCHEMA_VERSION +
    ', "params": ' +
    (pythonJson(normalizeParams(event, input.params)) ?? '{}') +
    ', "results": ' +
    (pythonJson(results) ?? 'null') +
    '}';
  return { middle, tail };
}
