/**
 * `parse(rawBody)`: the envelope of a servo webhook body checked (id, event,
 * created_at, servo, webhook, schema_version, params, results), returned as a
 * typed body. The types of params and results come from the body JSON Schemas
 * (events.generated.ts); deep validation of params and values stays with
 * those schemas (`servo webhooks schema EVENT`) and a JSON Schema validator.
 * @module
 */
import { ReceiverError } from './errors.js';
import type { EventTypes } from './events.generated.js';
import type { RawBody } from './core.js';

export type * from './events.generated.js';

/** A standard event's name (`measure`, `adjust`, ...). */
export type StandardEvent = keyof EventTypes;

/** An error a connector raised, reduced to its name, message and code. */
export interface ResultError {
  type: string;
  message: string;
  code?: string;
}

/** One connector's outcome in an after-event's `results`. */
export type ConnectorResult<V> = { connector: string; value: V } | { connector: string; error: ResultError };

interface Envelope<E extends string, P> {
  /** Message id; the same on every retry; also `webhook-id`. */
  id: string;
  /** `before:EVENT`, `after:EVENT` or `ping`. */
  event: E;
  /** RFC 3339 time the message was created. */
  created_at: string;
  /** The sending servo. */
  servo: { name: string };
  /** The webhook this message was delivered to. */
  webhook: { name: string };
  /** Layout version of the body. */
  schema_version: number;
  /** The event's parameters. */
  params: P;
}

/** The body of `before:EVENT` (a gate): no results yet. */
export type BeforeBody<N extends StandardEvent = StandardEvent> = {
  [K in N]: Envelope<`before:${K}`, EventTypes[K]['params']> & { results: null };
}[N];

/** The body of `after:EVENT`: one result per connector that handled it. */
export type AfterBody<N extends StandardEvent = StandardEvent> = {
  [K in N]: Envelope<`after:${K}`, EventTypes[K]['params']> & { results: ConnectorResult<EventTypes[K]['result']>[] };
}[N];

/** The `ping` body `servo check` and `servo webhooks trigger ping` send. */
export type PingBody = Envelope<'ping', Record<string, never>> & { results: [] };

/** A body of an event a connector declared (not a standard one): params and values untyped. */
export interface CustomBody extends Envelope<string, Record<string, unknown>> {
  results: ConnectorResult<unknown>[] | null;
}

/** Every body name: `before:measure`, `after:adjust`, `ping`, ... */
export type BodyEvent = `${'before' | 'after'}:${StandardEvent}` | 'ping';

/** The body type of one event name. */
export type BodyOf<E extends BodyEvent> = E extends 'ping'
  ? PingBody
  : E extends `before:${infer N extends StandardEvent}`
    ? BeforeBody<N>
    : E extends `after:${infer N extends StandardEvent}`
      ? AfterBody<N>
      : never;

/** What `parse` returns: a standard body (narrow with {@link isEvent}), or a custom event's. */
export type WebhookBody = BeforeBody | AfterBody | PingBody | CustomBody;

/** Narrows a parsed body to one event's type. */
export function isEvent<E extends BodyEvent>(body: WebhookBody, event: E): body is BodyOf<E> {
  return body.event === event;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i;
const EVENT = /^(?:(before|after):[A-Za-z0-9_.-]+|ping)$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function invalid(field: string, what: string): never {
  throw new ReceiverError('invalid_body', `body: ${field} ${what}`);
}

function named(body: Record<string, unknown>, field: string): void {
  const value = body[field];
  if (!isObject(value) || typeof value.name !== 'string') invalid(field, 'must be an object with a string name');
}

function checkResults(results: unknown, preposition: string | undefined): void {
  if (preposition === 'before') {
    if (results !== null) invalid('results', 'must be null before an event');
    return;
  }
  if (!Array.isArray(results)) invalid('results', 'must be an array');
  results.forEach((entry, i) => {
    if (!isObject(entry) || typeof entry.connector !== 'string') invalid(`results[${i}]`, 'must be an object with a string connector');
    if ('error' in entry) {
      const error = entry.error;
      if (!isObject(error) || typeof error.type !== 'string' || typeof error.message !== 'string')
        invalid(`results[${i}].error`, 'must have a string type and message');
    } else if (!('value' in entry)) invalid(`results[${i}]`, 'must have a value or an error');
  });
}

/**
 * Parses a webhook body (UTF-8 JSON) and checks its envelope. Verify first:
 * parse the same bytes that were verified.
 * @throws ReceiverError `invalid_body` naming the first field that is wrong.
 */
export function parse(rawBody: RawBody): WebhookBody {
  let text: string;
  try {
    text = typeof rawBody === 'string' ? rawBody : new TextDecoder('utf-8', { fatal: true }).decode(rawBody);
  } catch {
    throw new ReceiverError('invalid_body', 'body is not UTF-8 (or not bytes)');
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new ReceiverError('invalid_body', `body is not JSON: ${(error as Error).message}`);
  }
  if (!isObject(body)) invalid('', 'must be a JSON object');
  if (typeof body.id !== 'string' || body.id.length === 0) invalid('id', 'must be a non-empty string');
  const event = body.event;
  const match = typeof event === 'string' ? EVENT.exec(event) : null;
  if (match === null) invalid('event', 'must be "before:EVENT", "after:EVENT" or "ping"');
  if (typeof body.created_at !== 'string' || !RFC3339.test(body.created_at)) invalid('created_at', 'must be an RFC 3339 time');
  named(body, 'servo');
  named(body, 'webhook');
  if (!Number.isInteger(body.schema_version) || (body.schema_version as number) < 1) invalid('schema_version', 'must be a positive integer');
  if (!isObject(body.params)) invalid('params', 'must be an object');
  checkResults(body.results, match[1]);
  return body as unknown as WebhookBody;
}
