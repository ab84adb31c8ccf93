import type { z } from 'zod';

/** When a handler runs relative to the event. */
export type Preposition = 'before' | 'on' | 'after';

/** The three prepositions, in dispatch order. */
export const PREPOSITIONS: readonly Preposition[] = ['before', 'on', 'after'];

/**
 * An event: a name, a schema for its parameters and one for its result.
 *
 * The schemas validate arguments at dispatch and are emitted as JSON Schema
 * (`servo schema`, and the webhooks connector's request bodies).
 */
export interface EventDefinition<P extends z.ZodObject = z.ZodObject, R extends z.ZodType = z.ZodType> {
  /** Lower snake_case name, e.g. `measure`. */
  readonly name: string;
  /** One line shown by `servo show events`. */
  readonly description: string;
  /** Schema of the parameters object passed to before/on handlers. */
  readonly params: P;
  /** Schema of the value one `on` handler returns. */
  readonly result: R;
}

/** Parameters type of an event definition. */
export type ParamsOf<E> = E extends EventDefinition<infer P, z.ZodType> ? z.output<P> : never;
/** Result type of an event definition. */
export type ResultOf<E> = E extends EventDefinition<z.ZodObject, infer R> ? z.output<R> : never;
/** Input (pre-validation) parameters type of an event definition. */
export type ParamsInputOf<E> = E extends EventDefinition<infer P, z.ZodType> ? z.input<P> : never;

const EVENT_NAME = /^[a-z][a-z0-9_]*$/;

/**
 * Declares an event.
 * @example
 * const promote = defineEvent({ name: 'promote', description: 'Promote the settings',
 *   params: z.object({}), result: z.null() });
 */
export function defineEvent<P extends z.ZodObject, R extends z.ZodType>(definition: EventDefinition<P, R>): EventDefinition<P, R> {
  if (!EVENT_NAME.test(definition.name)) {
    throw new TypeError(`event name "${definition.name}" must be lower snake_case (${EVENT_NAME})`);
  }
  return Object.freeze({ ...definition });
}

/** One connector's answer to an event. */
export interface EventResult<R = unknown> {
  /** Name of the connector instance that answered. */
  readonly connector: string;
  /** What its `on` handler returned (absent when `error` is set). */
  readonly value?: R;
  /** With `returnExceptions`, the error the handler threw instead. */
  readonly error?: Error;
}
