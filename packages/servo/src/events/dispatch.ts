import { type EventCancelledError, EventParameterError, HandlerError, HandlerErrors, isEventCancelledError } from '../errors.js';
import type { EventDefinition, EventResult, ParamsInputOf, ResultOf } from './event.js';
import type { HandlerContext, HandlerRegistry, Progress, ProgressReporter } from './handlers.js';

/** A connector instance as dispatch sees it: a name and its handlers. */
export interface Participant {
  readonly name: string;
  readonly handlers: HandlerRegistry;
}

/** Options of one dispatch. */
export interface DispatchOptions {
  /** Run `on` handlers one at a time and stop at the first that returns a value (not `undefined`). */
  first?: boolean;
  /** Only these connectors take part. */
  include?: readonly string[];
  /** These connectors do not take part. */
  exclude?: readonly string[];
  /** An `on` handler's error becomes that connector's result instead of failing the dispatch. */
  returnExceptions?: boolean;
  /** Aborts handlers that honour it. */
  signal?: AbortSignal;
  /** Receives the progress handlers report through `ctx.progress` (percent clamped to 0-100). */
  onProgress?: (progress: Progress & { readonly connector: string }) => void;
}

/** The event ran: `on` results (possibly none) are here. */
export interface DispatchCompleted<R = unknown> {
  readonly status: 'completed';
  readonly event: string;
  readonly results: EventResult<R>[];
  /** Errors thrown by after handlers (always collected, never lost). */
  readonly afterErrors: HandlerError[];
}

/** A before handler cancelled the event; no on or after handler ran. */
export interface DispatchCancelled {
  readonly status: 'cancelled';
  readonly event: string;
  /** Name of the connector whose before handler cancelled. */
  readonly cancelledBy: string;
  /** What inside that connector cancelled, when it says (e.g. `webhook "business_hours"`). */
  readonly source: string | undefined;
  /** The reason it gave, verbatim. */
  readonly reason: string;
  readonly error: EventCancelledError;
}

/** Outcome of a dispatch: distinguishes "cancelled" from "no results". */
export type DispatchResult<R = unknown> = DispatchCompleted<R> | DispatchCancelled;

const NEVER_ABORTED = new AbortController().signal;
const IGNORE_PROGRESS: ProgressReporter = () => {};

/**
 * Dispatches `event` to `participants`: before handlers (concurrently across
 * connectors, in order within one), then on handlers concurrently, then after
 * handlers concurrently with the results.
 *
 * @throws EventParameterError when `params` fail the event's schema.
 * @throws HandlerError when an on or before handler fails (without `returnExceptions`).
 * @throws HandlerErrors (an `AggregateError`) when several do: its message lists each.
 */
export async function dispatch<E extends EventDefinition>(
  participants: readonly Participant[],
  event: E,
  params: ParamsInputOf<E>,
  options: DispatchOptions = {},
): Promise<DispatchResult<ResultOf<E>>> {
  const parsed = event.params.safeParse(params ?? {});
  if (!parsed.success) {
    throw new EventParameterError(
      event.name,
      parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(parameters)'}: ${i.message}`),
    );
  }
  const ctx: HandlerContext<any> = { event, params: parsed.data, signal: options.signal ?? NEVER_ABORTED, progress: IGNORE_PROGRESS };
  const onProgress = options.onProgress;
  /** The context one connector's handlers see: its progress reports carry its name. */
  const ctxOf = (connector: string): HandlerContext<any> =>
    onProgress
      ? {
          ...ctx,
          progress: (percent, message) => {
            const p = Number.isFinite(percent) ? Math.min(100, Math.max(0, percent)) : 0;
            onProgress({ connector, percent: p, message });
          },
        }
      : ctx;
  const name = event.name;
  const selected = select(participants, options);

  // before: concurrently across connectors, sequentially within one.
  const befores = selected.filter((p) => p.handlers.has(name, 'before'));
  if (befores.length > 0) {
    const outcomes = await Promise.allSettled(
      befores.map(async (p) => {
        for (const h of p.handlers.get(name, 'before')) {
          try {
            await h(ctx.params, ctxOf(p.name));
          } catch (err) {
            throw { participant: p.name, err };
          }
        }
      }),
    );
    for (const o of outcomes) {
      if (o.status === 'rejected') {
        const { participant, err } = o.reason as { participant: string; err: unknown };
        if (isEventCancelledError(err)) {
          const e = err as EventCancelledError;
          return { status: 'cancelled', event: name, cancelledBy: participant, source: e.source, reason: e.reason, error: e };
        }
      }
    }
    throwFailures(
      name,
      outcomes.flatMap((o) => {
        if (o.status === 'fulfilled') return [];
        const { participant, err } = o.reason as { participant: string; err: unknown };
        return [new HandlerError(participant, name, 'before', err)];
      }),
    );
  }

  // on
  const results: EventResult<ResultOf<E>>[] = [];
  const ons = selected.filter((p) => p.handlers.has(name, 'on'));
  if (options.first) {
    outer: for (const p of ons) {
      for (const h of p.handlers.get(name, 'on')) {
        const r = await runOn(p.name, h, ctxOf(p.name), options.returnExceptions);
        if (r.error || r.value !== undefined) {
          results.push(r);
          break outer;
        }
      }
    }
  } else if (ons.length > 0) {
    const runs: Promise<EventResult<ResultOf<E>>>[] = [];
    for (const p of ons) for (const h of p.handlers.get(name, 'on')) runs.push(runOn(p.name, h, ctxOf(p.name), options.returnExceptions));
    // Every handler finishes before the dispatch does, and every failure is reported.
    const outcomes = await Promise.allSettled(runs);
    throwFailures(
      name,
      outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as HandlerError] : [])),
    );
    for (const o of outcomes) if (o.status === 'fulfilled' && (o.value.error || o.value.value !== undefined)) results.push(o.value);
  }

  // after: concurrently, with the results; errors collected.
  const afterErrors: HandlerError[] = [];
  const afters = selected.filter((p) => p.handlers.has(name, 'after'));
  if (afters.length > 0) {
    const runs: Promise<void>[] = [];
    for (const p of afters) {
      for (const h of p.handlers.get(name, 'after')) {
        runs.push(
          (async () => {
            try {
              await h(results, ctxOf(p.name));
            } catch (err) {
              afterErrors.push(new HandlerError(p.name, name, 'after', err));
            }
          })(),
        );
      }
    }
    await Promise.all(runs);
  }
  return { status: 'completed', event: name, results, afterErrors };
}

async function runOn(
  connector: string,
  handler: (params: any, ctx: HandlerContext<any>) => unknown,
  ctx: HandlerContext<any>,
  returnExceptions: boolean | undefined,
): Promise<EventResult<any>> {
  try {
    const value = await handler(ctx.params, ctx);
    return { connector, value };
  } catch (err) {
    if (isEventCancelledError(err)) {
      err = new Error(`on handlers cannot cancel an event (use a before handler): ${(err as Error).message}`);
    }
    const wrapped = new HandlerError(connector, ctx.event.name, 'on', err);
    if (returnExceptions) return { connector, error: wrapped };
    throw wrapped;
  }
}

/** One failure throws its {@link HandlerError}; several throw one {@link HandlerErrors} listing each. */
function throwFailures(event: string, failures: readonly HandlerError[]): void {
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) throw new HandlerErrors(event, failures);
}

function select(participants: readonly Participant[], o: DispatchOptions): readonly Participant[] {
  if (!o.include && !o.exclude) return participants;
  return participants.filter((p) => (!o.include || o.include.includes(p.name)) && !o.exclude?.includes(p.name));
}
