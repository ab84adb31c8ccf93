import type { EventDefinition, EventResult, ParamsOf, Preposition, ResultOf } from './event.js';

/** What every handler receives besides its main argument. */
export interface HandlerContext<P = Record<string, unknown>> {
  /** The event being dispatched. */
  readonly event: EventDefinition;
  /** The validated parameters of this dispatch. */
  readonly params: P;
  /** Aborted when the dispatch is abandoned (e.g. the servo is stopping, or the optimizer cancelled the command). */
  readonly signal: AbortSignal;
  /**
   * Reports how far a long operation (a measure, an adjust) has come. The
   * optimizer loop forwards the latest report to the optimizer; elsewhere it
   * is a no-op.
   */
  readonly progress: ProgressReporter;
}

/** One progress report: `percent` from 0 to 100, and an optional message. */
export interface Progress {
  readonly percent: number;
  readonly message?: string | undefined;
}

/** Receives progress reports of a handler (see {@link HandlerContext.progress}). */
export type ProgressReporter = (percent: number, message?: string) => void;

/** Runs before the event; may throw `EventCancelledError` to stop it. */
export type BeforeHandler<P = Record<string, unknown>> = (params: P, ctx: HandlerContext<P>) => void | Promise<void>;
/** Answers the event. */
export type OnHandler<P = Record<string, unknown>, R = unknown> = (params: P, ctx: HandlerContext<P>) => R | Promise<R>;
/** Runs after the event with the results of the `on` handlers. */
export type AfterHandler<P = Record<string, unknown>, R = unknown> = (results: readonly EventResult<R>[], ctx: HandlerContext<P>) => void | Promise<void>;

type AnyHandler = BeforeHandler<any> | OnHandler<any, any> | AfterHandler<any, any>;

/**
 * The handlers of one connector instance, by event and preposition.
 *
 * Each instance owns its registry, so two instances of one connector type
 * never see each other's handlers.
 */
export class HandlerRegistry {
  readonly #handlers = new Map<string, { before: BeforeHandler<any>[]; on: OnHandler<any, any>[]; after: AfterHandler<any, any>[] }>();

  /** Adds a before handler for `event`. Returns a function that removes it. */
  before<E extends EventDefinition>(event: E | string, handler: BeforeHandler<ParamsOf<E>>): () => void {
    return this.#add(event, 'before', handler);
  }

  /** Adds an on handler for `event`. Returns a function that removes it. */
  on<E extends EventDefinition>(event: E | string, handler: OnHandler<ParamsOf<E>, ResultOf<E>>): () => void {
    return this.#add(event, 'on', handler);
  }

  /** Adds an after handler for `event`. Returns a function that removes it. */
  after<E extends EventDefinition>(event: E | string, handler: AfterHandler<ParamsOf<E>, ResultOf<E>>): () => void {
    return this.#add(event, 'after', handler);
  }

  /** The handlers for `event` at `preposition`, in registration order. */
  get(event: string, preposition: 'before'): readonly BeforeHandler<any>[];
  get(event: string, preposition: 'on'): readonly OnHandler<any, any>[];
  get(event: string, preposition: 'after'): readonly AfterHandler<any, any>[];
  get(event: string, preposition: Preposition): readonly AnyHandler[] {
    return this.#handlers.get(event)?.[preposition] ?? EMPTY;
  }

  /** True when any handler is registered for `event` at `preposition`. */
  has(event: string, preposition: Preposition): boolean {
    return this.get(event, preposition as 'on').length > 0;
  }

  /** Event names with at least one handler, and their prepositions. */
  entries(): { event: string; prepositions: Preposition[] }[] {
    return [...this.#handlers].map(([event, h]) => ({
      event,
      prepositions: (['before', 'on', 'after'] as const).filter((p) => h[p].length > 0),
    }));
  }

  #add(event: EventDefinition | string, preposition: Preposition, handler: AnyHandler): () => void {
    const name = typeof event === 'string' ? event : event.name;
    let slot = this.#handlers.get(name);
    if (!slot) this.#handlers.set(name, (slot = { before: [], on: [], after: [] }));
    const list = slot[preposition] as AnyHandler[];
    list.push(handler);
    return () => {
      const i = list.indexOf(handler);
      if (i >= 0) list.splice(i, 1);
    };
  }
}

const EMPTY: readonly never[] = Object.freeze([]);
